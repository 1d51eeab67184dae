import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RootfsError } from './errors.js';

/** Where Debian's busybox-static installs its statically linked binary. */
export const DEFAULT_BUSYBOX = '/bin/busybox';

/** Options of {@link buildBusyboxRootfs}. */
export interface BusyboxRootfsOptions {
  /** The static busybox to copy in; default {@link DEFAULT_BUSYBOX}. */
  readonly busybox?: string;
  /** Extra files to write, path inside the rootfs → content. */
  readonly files?: Readonly<Record<string, string>>;
}

/** What a build produced. */
export interface BusyboxRootfs {
  /** The rootfs directory. */
  readonly path: string;
  /** How many applet links the rootfs has. */
  readonly applets: number;
}

const DIRS = [
  'bin',
  'sbin',
  'usr/bin',
  'usr/sbin',
  'etc',
  'proc',
  'sys',
  'dev',
  'root',
  'home',
  'run',
  'var',
  'tmp',
];
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';

/**
 * Builds a minimal root filesystem in `dir` (created if needed) from a static busybox: the binary
 * at /bin/busybox, one symlink per applet at the path busybox itself lists, /etc/passwd and
 * /etc/group with root and nobody, a world-writable sticky /tmp and the empty mount points
 * runc needs. Idempotent: existing links and files are left as they are.
 */
export function buildBusyboxRootfs(dir: string, opts: BusyboxRootfsOptions = {}): BusyboxRootfs {
  const busybox = opts.busybox ?? DEFAULT_BUSYBOX;
  if (!existsSync(busybox)) {
    throw new RootfsError(`${busybox} not found: install Debian's busybox-static`);
  }
  let applets: string[];
  try {
    applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch (err) {
    throw new RootfsError(`${busybox} --list-full failed`, { cause: err });
  }
  for (const d of DIRS) mkdirSync(join(dir, d), { recursive: true });
  chmodSync(join(dir, 'tmp'), 0o1777);
  const target = join(dir, 'bin/busybox');
  if (!existsSync(target)) {
    copyFileSync(busybox, target);
    chmodSync(target, 0o755);
  }
  let made = 0;
  for (const rel of applets) {
    if (rel === 'bin/busybox' || rel.includes('..')) continue;
    const link = join(dir, rel);
    mkdirSync(dirname(link), { recursive: true });
    made++;
    if (!existsSync(link)) symlinkSync('/bin/busybox', link);
  }
  const files: Record<string, string> = {
    'etc/passwd': PASSWD,
    'etc/group': GROUP,
    'etc/hostname': 'busybox\n',
    'etc/hosts': '127.0.0.1 localhost\n',
    ...opts.files,
  };
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (!existsSync(p) || opts.files?.[rel] !== undefined) writeFileSync(p, content);
  }
  return { path: dir, applets: made };
}
