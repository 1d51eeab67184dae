import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxRootfs } from '../rootfs/index.js';

/** Why the runc-agent tests cannot run here, or undefined when they can. */
export function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (runc, mounts, namespaces)';
  if (!existsSync('/usr/sbin/runc')) return 'runc is not installed (/usr/sbin/runc)';
  if (!existsSync('/bin/busybox')) return 'busybox-static is not installed (/bin/busybox)';
  return undefined;
}

/** A fresh agent root with a busybox rootfs at the Kata shared path of container `cid`. */
export function makeRoot(prefix: string): string {
  // Short: console socket paths under the root must fit in sun_path.
  return mkdtempSync(join(tmpdir(), `wra-${prefix}-`));
}

/** Guest path of container `cid`'s rootfs, created under `root` with busybox. */
export function addRootfs(root: string, cid: string): string {
  const guest = `/run/kata-containers/shared/containers/${cid}/rootfs`;
  const host = join(root, guest);
  mkdirSync(host, { recursive: true });
  buildBusyboxRootfs(host);
  return guest;
}

/** An oci.proto Spec (proto field names) the way the Kata runtime sends one for busybox. */
export function kataSpec(
  rootGuestPath: string,
  args: string[],
  opts: { terminal?: boolean; env?: string[] } = {},
): Record<string, unknown> {
  return {
    Version: '1.0.2-dev',
    Process: {
      Terminal: opts.terminal ?? false,
      User: { UID: 0, GID: 0 },
      Args: args,
      Env: opts.env ?? ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      Cwd: '/',
      Capabilities: {
        Bounding: CAPS,
        Effective: CAPS,
        Permitted: CAPS,
      },
      NoNewPrivileges: true,
    },
    Root: { Path: rootGuestPath, Readonly: false },
    Hostname: '',
    Mounts: [
      { destination: '/proc', source: 'proc', type: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      {
        destination: '/dev',
        source: 'tmpfs',
        type: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        source: 'devpts',
        type: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
      },
      { destination: '/sys', source: 'sysfs', type: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    Linux: {
      Namespaces: [
        { Type: 'pid' },
        { Type: 'ipc' },
        { Type: 'uts' },
        { Type: 'mount' },
        { Type: 'network', Path: '/proc/1/ns/net' },
      ],
      MaskedPaths: ['/proc/kcore', '/proc/keys'],
      ReadonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
      Resources: { Devices: [{ Allow: false, Access: 'rwm' }] },
    },
  };
}

const CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
];

/** runc containers still known under the agent root. */
export function runcList(root: string): string[] {
  const out = execFileSync('/usr/sbin/runc', ['--root', join(root, '.ward/runc'), 'list', '-q'], {
    encoding: 'utf8',
  });
  return out.split('\n').filter(Boolean);
}

/** Mount points under `root` in this mount namespace. */
export function mountsUnder(root: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((mp) => mp === root || mp.startsWith(`${root}/`));
}
