import { mkdirSync } from 'node:fs';
import { bindMount, MountFlags, mount, unmount } from '../../sys/index.js';
import { AgentError, invalidField } from './errors.js';
import { type Msg, str, strings } from './fields.js';
import type { GuestPaths } from './paths.js';

/** Storage drivers that name a guest device (block, SCSI, PMEM, VFIO): nothing on a host stands for them. */
const DEVICE_DRIVERS = new Set([
  'blk',
  'blk-ccw',
  'scsi',
  'nvdimm',
  'mmioblk',
  'vfio-pci',
  'vfio-ap',
  'image_guest_pull',
]);
const FLAG_OPTIONS: Readonly<Record<string, number>> = {
  ro: MountFlags.MS_RDONLY,
  nosuid: MountFlags.MS_NOSUID,
  nodev: MountFlags.MS_NODEV,
  noexec: MountFlags.MS_NOEXEC,
};
const IGNORED_OPTIONS = new Set(['rw', 'suid', 'dev', 'exec', 'bind', 'rbind', 'defaults']);

/** What mounting a storage did, so it can be undone. */
export interface StorageRecord {
  readonly driver: string;
  /** Host path of the storage's mount point. */
  readonly mountPoint: string;
  /** Whether something was mounted there (else the directory was only created). */
  readonly mounted: boolean;
}

/**
 * Sets up one Kata `Storage` the way the kata-agent's storage handlers do, on the host:
 * shared-fs storages (virtio-fs, 9p) are already the agent root's shared directory, `local`
 * makes a directory, `ephemeral` mounts a tmpfs, `overlayfs` and `watchable-bind` mount with their
 * guest paths resolved under the root. Device-backed drivers answer InvalidArgument.
 */
export function addStorage(s: Msg, path: string, paths: GuestPaths): StorageRecord {
  const driver = str(s, 'driver', path);
  const mp = str(s, 'mount_point', path);
  if (!mp) throw invalidField(`${path}.mount_point`, 'is required');
  const mountPoint = paths.resolve(mp, `${path}.mount_point`);
  const options = strings(s, 'options', path);
  if (DEVICE_DRIVERS.has(driver)) {
    throw invalidField(
      `${path}.driver`,
      `${JSON.stringify(driver)} needs a guest device, which ward-runc-agent cannot provide`,
    );
  }
  mkdirSync(mountPoint, { recursive: true, mode: modeOption(options) ?? 0o755 });
  switch (driver) {
    case 'virtio-fs':
    case '9p':
    case 'local':
      return { driver, mountPoint, mounted: false };
    case 'ephemeral': {
      const { flags, data } = splitOptions(options);
      mount({
        source: str(s, 'source', path) || 'tmpfs',
        target: mountPoint,
        fstype: str(s, 'fstype', path) || 'tmpfs',
        flags,
        data,
      });
      return { driver, mountPoint, mounted: true };
    }
    case 'overlayfs': {
      const resolved = options.map((o) => resolveOverlayOption(o, path, paths));
      for (const o of resolved)
        if (/^(upperdir|workdir)=/.test(o)) mkdirSync(o.slice(o.indexOf('=') + 1), { recursive: true });
      const { flags, data } = splitOptions(resolved);
      mount({ source: 'overlay', target: mountPoint, fstype: 'overlay', flags, data });
      return { driver, mountPoint, mounted: true };
    }
    case 'watchable-bind':
    case 'bind': {
      const source = paths.resolve(str(s, 'source', path), `${path}.source`);
      bindMount(source, mountPoint, { readonly: options.includes('ro') });
      return { driver, mountPoint, mounted: true };
    }
    default:
      throw invalidField(`${path}.driver`, `unknown storage driver ${JSON.stringify(driver)}`);
  }
}

/** Undoes {@link addStorage}; idempotent. */
export function removeStorage(rec: StorageRecord): void {
  if (!rec.mounted) return;
  try {
    unmount(rec.mountPoint);
  } catch (err) {
    throw new AgentError('INTERNAL', `unmount ${rec.mountPoint}: ${(err as Error).message}`, { cause: err });
  }
}

function modeOption(options: readonly string[]): number | undefined {
  for (const o of options) {
    const m = /^mode=([0-7]{3,4})$/.exec(o);
    if (m?.[1]) return Number.parseInt(m[1], 8);
  }
  return undefined;
}

function splitOptions(options: readonly string[]): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const o of options) {
    const f = FLAG_OPTIONS[o];
    if (f !== undefined) flags |= f;
    else if (!IGNORED_OPTIONS.has(o)) data.push(o);
  }
  return { flags, data: data.join(',') };
}

function resolveOverlayOption(o: string, path: string, paths: GuestPaths): string {
  const m = /^(lowerdir|upperdir|workdir)=(.*)$/.exec(o);
  if (!m?.[1] || m[2] === undefined) return o;
  const dirs = m[2].split(':').map((d) => paths.resolve(d, `${path}.options[${m[1]}]`));
  return `${m[1]}=${dirs.join(':')}`;
}
