import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bindMount, MountFlags, mount, UmountFlags, unmount } from '../../integration/sys/index.js';
import { ShimError } from '../errors.js';

/** A mount from CreateTaskRequest.rootfs (containerd.types.Mount). */
export interface RootfsMount {
  readonly type: string;
  readonly source: string;
  readonly target?: string;
  readonly options: readonly string[];
}

const FLAG_OPTIONS: Readonly<Record<string, number>> = {
  ro: MountFlags.MS_RDONLY,
  nosuid: MountFlags.MS_NOSUID,
  nodev: MountFlags.MS_NODEV,
  noexec: MountFlags.MS_NOEXEC,
  bind: MountFlags.MS_BIND,
  rbind: MountFlags.MS_BIND | MountFlags.MS_REC,
};
const IGNORED_OPTIONS = new Set(['rw', 'suid', 'dev', 'exec', 'defaults']);

/** Splits mount options into mount(2) flags and the data string, as containerd's mount does. */
export function mountArgs(options: readonly string[]): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const o of options) {
    const f = FLAG_OPTIONS[o];
    if (f !== undefined) flags |= f;
    else if (!IGNORED_OPTIONS.has(o)) data.push(o);
  }
  return { flags, data: data.join(',') };
}

/** Mounts containerd's rootfs mounts (overlay or bind) at `<bundle>/rootfs`, in order. */
export async function mountRootfs(bundle: string, mounts: readonly RootfsMount[]): Promise<string> {
  const target = join(bundle, 'rootfs');
  await mkdir(target, { recursive: true });
  for (const [i, m] of mounts.entries()) {
    const { flags, data } = mountArgs(m.options);
    try {
      if (m.type === 'bind' || flags & MountFlags.MS_BIND) {
        bindMount(m.source, target, {
          recursive: (flags & MountFlags.MS_REC) !== 0,
          readonly: (flags & MountFlags.MS_RDONLY) !== 0,
        });
      } else {
        mount({ source: m.source, target, fstype: m.type, flags, data });
      }
    } catch (err) {
      await unmountAll(target);
      throw new ShimError(
        `rootfs[${i}] ${m.type} ${m.source}: ${(err as Error).message}`,
        'ERR_SHIM_INVALID',
        { cause: err },
      );
    }
  }
  return target;
}

/** Unmounts everything stacked on `target` (lazily, as a last resort); idempotent. */
export async function unmountAll(target: string): Promise<void> {
  for (let i = 0; i < 16; i++) {
    let done: boolean;
    try {
      done = !unmount(target, 0);
    } catch {
      done = !unmount(target, UmountFlags.MNT_DETACH);
    }
    if (done) return;
  }
}

/** Shares a host path into the sandbox's shared directory with a bind mount. */
export async function shareInto(hostPath: string, sharedPath: string, isDir: boolean): Promise<void> {
  if (isDir) await mkdir(sharedPath, { recursive: true });
  else {
    await mkdir(join(sharedPath, '..'), { recursive: true });
    await rm(sharedPath, { force: true });
    await writeFile(sharedPath, '');
  }
  bindMount(hostPath, sharedPath, { recursive: true });
}

/** Removes a share: unmount, then the now-empty mount point. */
export async function unshare(sharedPath: string): Promise<void> {
  await unmountAll(sharedPath);
  await rmdir(sharedPath).catch(() => rm(sharedPath, { force: true }).catch(() => undefined));
}
