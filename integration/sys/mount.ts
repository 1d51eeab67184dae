import { readFileSync } from 'node:fs';
import { Errno, SysError } from './errors.js';
import { lastErrno, libc } from './libc.js';

/** mount(2) flags used by Ward. */
export const MountFlags = {
  MS_RDONLY: 0x1,
  MS_NOSUID: 0x2,
  MS_NODEV: 0x4,
  MS_NOEXEC: 0x8,
  MS_REMOUNT: 0x20,
  MS_BIND: 0x1000,
  MS_MOVE: 0x2000,
  MS_REC: 0x4000,
  MS_PRIVATE: 0x40000,
  MS_SLAVE: 0x80000,
  MS_SHARED: 0x100000,
} as const;

/** umount2(2) flags. */
export const UmountFlags = { MNT_FORCE: 1, MNT_DETACH: 2, UMOUNT_NOFOLLOW: 8 } as const;

/** Arguments of one mount(2) call. */
export interface MountSpec {
  readonly source: string | null;
  readonly target: string;
  readonly fstype: string | null;
  readonly flags: number;
  readonly data?: string;
}

/** Calls mount(2); throws {@link SysError} with the errno on failure. */
export function mount(spec: MountSpec): void {
  const r = libc().mount(spec.source, spec.target, spec.fstype, spec.flags, spec.data ?? null);
  if (r !== 0) throw new SysError('mount', lastErrno(), `${spec.source ?? 'none'} -> ${spec.target}`);
}

/** Bind-mounts `source` on `target` (recursively when `recursive`), optionally read-only. */
export function bindMount(
  source: string,
  target: string,
  opts: { recursive?: boolean; readonly?: boolean } = {},
): void {
  const rec = opts.recursive ? MountFlags.MS_REC : 0;
  mount({ source, target, fstype: null, flags: MountFlags.MS_BIND | rec });
  if (opts.readonly) {
    // A bind mount ignores MS_RDONLY on creation; read-only takes a remount.
    mount({
      source: null,
      target,
      fstype: null,
      flags: MountFlags.MS_BIND | MountFlags.MS_REMOUNT | MountFlags.MS_RDONLY,
    });
  }
}

/**
 * Unmounts `target`. Returns false when nothing was mounted there (EINVAL) or the path is gone
 * (ENOENT), so clean-up code can be idempotent; other errors throw.
 */
export function unmount(target: string, flags = 0): boolean {
  if (libc().umount2(target, flags) === 0) return true;
  const errno = lastErrno();
  if (errno === Errno.EINVAL || errno === Errno.ENOENT) return false;
  throw new SysError('umount2', errno, target);
}

/** One line of /proc/self/mountinfo, reduced to what clean-up needs. */
export interface MountInfo {
  readonly mountPoint: string;
  readonly fstype: string;
  readonly source: string;
}

/** Every mount of this process's mount namespace, in mount order. */
export function listMounts(mountinfo = '/proc/self/mountinfo'): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of readFileSync(mountinfo, 'utf8').split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    const mp = fields[4];
    if (sep < 0 || mp === undefined) continue;
    out.push({
      mountPoint: unescapeOctal(mp),
      fstype: fields[sep + 1] ?? '',
      source: unescapeOctal(fields[sep + 2] ?? ''),
    });
  }
  return out;
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(dir: string, mountinfo?: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return listMounts(mountinfo)
    .map((m) => m.mountPoint)
    .filter((mp) => mp === dir || mp.startsWith(prefix))
    .reverse();
}

/**
 * Unmounts everything at or below `dir` (lazily if busy); returns how many were unmounted. With
 * `keepDir`, a mount on `dir` itself stays (its owner mounted it, e.g. a tmpfs pod directory).
 */
export function unmountAll(dir: string, keepDir = false): number {
  let n = 0;
  for (const mp of mountsUnder(dir)) {
    if (keepDir && mp === dir) continue;
    try {
      if (unmount(mp)) n++;
    } catch (err) {
      if (!(err instanceof SysError) || err.errno !== Errno.EBUSY) throw err;
      if (unmount(mp, UmountFlags.MNT_DETACH)) n++;
    }
  }
  return n;
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}
