import { invalidField } from './errors.js';
import { type Msg, msg, msgs, num, str, stringMap, strings } from './fields.js';
import type { GuestPaths } from './paths.js';
import { type RuntimeProcess, toRuntimeProcess } from './spec-process.js';
import { toRuntimeResources } from './spec-resources.js';

/** The runtime-spec version written to config.json when the request names none. */
export const DEFAULT_OCI_VERSION = '1.0.2-dev';
/** Namespace types a spec may list. */
const NAMESPACE_TYPES = new Set(['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup']);
/**
 * Mount types that create a new kernel filesystem and name no host path. Others (overlay, block
 * filesystems) would name host paths or devices in their options: the guest's are not the host's.
 */
const VIRTUAL_MOUNT_TYPES = new Set([
  'proc',
  'sysfs',
  'tmpfs',
  'devpts',
  'mqueue',
  'cgroup',
  'cgroup2',
  'shm',
]);
/** Device nodes a container may list (runc's defaults): char major:minor by path. */
const SAFE_DEVICES: Readonly<Record<string, string>> = {
  '/dev/null': '1:3',
  '/dev/zero': '1:5',
  '/dev/full': '1:7',
  '/dev/random': '1:8',
  '/dev/urandom': '1:9',
  '/dev/tty': '5:0',
  '/dev/fuse': '10:229',
};

/** Sandbox facts the translation needs. */
export interface SpecContext {
  readonly paths: GuestPaths;
  /** Persistent sandbox namespaces (kata-agent's shared ipc/uts), if made. */
  readonly ipcPath?: string;
  readonly utsPath?: string;
  /** Path of the pid namespace to join, or undefined for a new one. */
  readonly pidPath?: string;
  /** cgroups path for runc (under Ward's own hierarchy). */
  readonly cgroupsPath: string;
}

/** A translated container: the config.json object and what was resolved. */
export interface RuntimeSpec {
  readonly config: Record<string, unknown>;
  readonly rootfs: string;
  readonly terminal: boolean;
}

/**
 * Turns the oci.proto `Spec` of a CreateContainer request into a runtime-spec config.json, the
 * way the kata-agent prepares it: guest paths (root, bind sources) resolve under the agent's
 * root, the container joins the sandbox's ipc/uts (and, when asked, pid) namespaces, the network
 * namespace is the agent's own, and hooks sent by the host are not run.
 */
export function toRuntimeSpec(spec: Msg | undefined, ctx: SpecContext): RuntimeSpec {
  const path = 'OCI';
  if (!spec) throw invalidField(path, 'is required');
  const linux = msg(spec, 'Linux', path);
  if (!linux) throw invalidField(`${path}.Linux`, 'is required (the spec has no linux field)');
  const process: RuntimeProcess = toRuntimeProcess(msg(spec, 'Process', path), `${path}.Process`);
  const root = msg(spec, 'Root', path);
  const rootPath = str(root, 'Path', `${path}.Root`);
  if (!rootPath) throw invalidField(`${path}.Root.Path`, 'is required');
  const rootfs = ctx.paths.resolve(rootPath, `${path}.Root.Path`);
  const config: Record<string, unknown> = {
    ociVersion: str(spec, 'Version', path) || DEFAULT_OCI_VERSION,
    process,
    root: { path: rootfs, readonly: Boolean(root?.['Readonly']) },
    hostname: str(spec, 'Hostname', path),
    mounts: msgs(spec, 'Mounts', path).map((m, i) => toMount(m, `${path}.Mounts[${i}]`, ctx.paths)),
    annotations: stringMap(spec, 'Annotations', path),
    linux: toLinux(linux, `${path}.Linux`, ctx),
  };
  return { config, rootfs, terminal: process['terminal'] === true };
}

function toMount(m: Msg, path: string, paths: GuestPaths): Record<string, unknown> {
  const destination = str(m, 'destination', path);
  if (!destination.startsWith('/'))
    throw invalidField(`${path}.destination`, `${JSON.stringify(destination)} must be absolute`);
  const type = str(m, 'type', path);
  const options = strings(m, 'options', path);
  let source = str(m, 'source', path);
  const isBind = type === 'bind' || type === 'rbind' || options.includes('bind') || options.includes('rbind');
  // A bind source is a guest path: in the guest it names the VM's files, here the agent's root.
  if (isBind) source = paths.resolve(source, `${path}.source`);
  else if (!VIRTUAL_MOUNT_TYPES.has(type)) {
    throw invalidField(
      `${path}.type`,
      `${JSON.stringify(type)} mounts are not supported (bind or ${[...VIRTUAL_MOUNT_TYPES].join(', ')})`,
    );
  }
  return { destination, type: type || (isBind ? 'bind' : ''), source, options };
}

function toLinux(l: Msg, path: string, ctx: SpecContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const idmap = (key: string) =>
    msgs(l, key, path).map((m, i) => ({
      containerID: num(m, 'ContainerID', `${path}.${key}[${i}]`),
      hostID: num(m, 'HostID', `${path}.${key}[${i}]`),
      size: num(m, 'Size', `${path}.${key}[${i}]`),
    }));
  const uid = idmap('UIDMappings');
  const gid = idmap('GIDMappings');
  if (uid.length > 0) out['uidMappings'] = uid;
  if (gid.length > 0) out['gidMappings'] = gid;
  const sysctl = stringMap(l, 'Sysctl', path);
  if (Object.keys(sysctl).length > 0) out['sysctl'] = sysctl;
  out['resources'] = toRuntimeResources(msg(l, 'Resources', path), `${path}.Resources`) ?? {};
  out['cgroupsPath'] = ctx.cgroupsPath;
  out['namespaces'] = toNamespaces(msgs(l, 'Namespaces', path), `${path}.Namespaces`, ctx);
  const devices = msgs(l, 'Devices', path).map((d, i) => {
    const dp = `${path}.Devices[${i}]`;
    const devPath = str(d, 'Path', dp);
    const id = `${num(d, 'Major', dp)}:${num(d, 'Minor', dp)}`;
    // Guest devices are the VM's; on the host they would be the host's disks and consoles.
    if (SAFE_DEVICES[devPath] !== id || str(d, 'Type', dp) !== 'c') {
      throw invalidField(
        `${dp}.Path`,
        `device ${JSON.stringify(devPath)} (${id}) is not available to ward-runc-agent containers`,
      );
    }
    return {
      path: devPath,
      type: str(d, 'Type', dp),
      major: num(d, 'Major', dp),
      minor: num(d, 'Minor', dp),
      fileMode: num(d, 'FileMode', dp) || undefined,
      uid: num(d, 'UID', dp),
      gid: num(d, 'GID', dp),
    };
  });
  if (devices.length > 0) out['devices'] = devices;
  const seccomp = msg(l, 'Seccomp', path);
  if (seccomp) out['seccomp'] = toSeccomp(seccomp, `${path}.Seccomp`);
  const prop = str(l, 'RootfsPropagation', path);
  if (prop) out['rootfsPropagation'] = prop;
  out['maskedPaths'] = strings(l, 'MaskedPaths', path);
  out['readonlyPaths'] = strings(l, 'ReadonlyPaths', path);
  const label = str(l, 'MountLabel', path);
  if (label) out['mountLabel'] = label;
  return out;
}

function toNamespaces(list: Msg[], path: string, ctx: SpecContext): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const [i, n] of list.entries()) {
    const type = str(n, 'Type', `${path}[${i}]`);
    if (!NAMESPACE_TYPES.has(type))
      throw invalidField(`${path}[${i}].Type`, `unknown namespace type ${JSON.stringify(type)}`);
    // The host's network and namespace paths mean nothing in the guest: the container uses the
    // agent's network, and the pid namespace is decided below, as the kata-agent does.
    if (type === 'network' || type === 'pid') continue;
    if (type === 'ipc' && ctx.ipcPath) out.push({ type, path: ctx.ipcPath });
    else if (type === 'uts' && ctx.utsPath) out.push({ type, path: ctx.utsPath });
    else out.push({ type });
  }
  out.push(ctx.pidPath ? { type: 'pid', path: ctx.pidPath } : { type: 'pid' });
  if (!out.some((n) => n.type === 'mount')) out.push({ type: 'mount' });
  return out;
}

function toSeccomp(s: Msg, path: string): Record<string, unknown> {
  return {
    defaultAction: str(s, 'DefaultAction', path),
    architectures: strings(s, 'Architectures', path),
    flags: strings(s, 'Flags', path),
    syscalls: msgs(s, 'Syscalls', path).map((c, i) => {
      const cp = `${path}.Syscalls[${i}]`;
      const errno = c['errnoret'];
      return {
        names: strings(c, 'Names', cp),
        action: str(c, 'Action', cp),
        ...(errno !== undefined && errno !== null ? { errnoRet: num(c, 'errnoret', cp) } : {}),
        args: msgs(c, 'Args', cp).map((a, j) => ({
          index: num(a, 'Index', `${cp}.Args[${j}]`),
          value: num(a, 'Value', `${cp}.Args[${j}]`),
          valueTwo: num(a, 'ValueTwo', `${cp}.Args[${j}]`),
          op: str(a, 'Op', `${cp}.Args[${j}]`),
        })),
      };
    }),
  };
}
