import { basename } from 'node:path';
import { ShimError } from '../errors.js';
import { guestRootfs, KATA_DEFAULT_SHM_SIZE, KATA_GUEST_SHARED_DIR } from './kata-paths.js';

type Json = Record<string, unknown>;

/** A host path the driver must make visible in the sandbox's shared directory under `name`. */
export interface SharedMount {
  readonly hostSource: string;
  /** File name inside the shared directory (guest: KATA_GUEST_SHARED_DIR/name). */
  readonly name: string;
}

/** The container as the agent must see it, plus the host work that makes it true. */
export interface ContainerPlan {
  /** OCI runtime spec JSON patched the way the Kata runtime patches it before OCItoGRPC. */
  readonly spec: Json;
  /** Whether the container joins the sandbox's pid namespace (CreateContainerRequest.sandbox_pidns). */
  readonly sandboxPidns: boolean;
  /** Bind mounts to share into the sandbox. */
  readonly shares: readonly SharedMount[];
}

/** Mount destinations Kata never shares from the host (kata_agent.go: system mounts, host devices). */
const SYSTEM_PREFIXES = ['/proc', '/sys', '/dev'];

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function isBind(m: Json): boolean {
  const opts = Array.isArray(m['options']) ? (m['options'] as unknown[]) : [];
  return m['type'] === 'bind' || opts.includes('bind') || opts.includes('rbind');
}

function isSystem(dest: string): boolean {
  return SYSTEM_PREFIXES.some((p) => dest === p || dest.startsWith(`${p}/`));
}

/**
 * Plans a container's CreateContainer the way the Kata runtime's createContainer does with a
 * shared filesystem: the rootfs is the shared directory's `<cid>/rootfs`; host bind mounts are
 * shared as `<cid>-<random>-<basename>` and their sources rewritten to the guest path; a bind
 * /dev/shm becomes a private tmpfs; then constrainGRPCSpec: no hooks, no seccomp (guest seccomp
 * off by default), no SELinux labels (guest SELinux off), only CPU and memory resources, no
 * network or cgroup namespace and every namespace path emptied; the pid namespace is removed and
 * reported as sandbox_pidns when it named a path (handlePidNamespace).
 */
export function planContainer(containerId: string, ociSpec: Json, uniq: () => string): ContainerPlan {
  const spec = clone(ociSpec);
  // The Kata runtime's Spec.Version carries ociVersion; the names differ, so map it explicitly.
  if (typeof spec['ociVersion'] === 'string') spec['version'] = spec['ociVersion'];
  const root = isObject(spec['root']) ? spec['root'] : {};
  spec['root'] = { ...root, path: guestRootfs(containerId) };

  const shares: SharedMount[] = [];
  const mounts = Array.isArray(spec['mounts']) ? (spec['mounts'] as unknown[]) : [];
  spec['mounts'] = mounts.map((raw, i) => {
    if (!isObject(raw)) throw new ShimError(`spec.mounts[${i}]: must be an object`, 'ERR_SHIM_INVALID');
    const m = { ...raw };
    const dest = typeof m['destination'] === 'string' ? m['destination'] : '';
    if (dest === '') throw new ShimError(`spec.mounts[${i}].destination: required`, 'ERR_SHIM_INVALID');
    if (dest === '/dev/shm' && isBind(m)) {
      return {
        destination: dest,
        type: 'tmpfs',
        source: 'shm',
        options: ['noexec', 'nosuid', 'nodev', 'mode=1777', `size=${KATA_DEFAULT_SHM_SIZE}`],
      };
    }
    if (isBind(m) && !isSystem(dest) && typeof m['source'] === 'string' && m['source'].startsWith('/')) {
      const name = `${containerId}-${uniq()}-${basename(m['source'])}`;
      shares.push({ hostSource: m['source'], name });
      m['source'] = `${KATA_GUEST_SHARED_DIR}/${name}`;
    }
    return m;
  });

  delete spec['hooks'];
  const linux = isObject(spec['linux']) ? { ...spec['linux'] } : {};
  delete linux['seccomp'];
  delete linux['mountLabel'];
  if (isObject(spec['process'])) {
    const p = { ...spec['process'] };
    delete p['selinuxLabel'];
    spec['process'] = p;
  }
  if (isObject(linux['resources'])) {
    const r = { ...linux['resources'] };
    for (const k of ['devices', 'pids', 'blockIO', 'network']) delete r[k];
    if (isObject(r['cpu'])) r['cpu'] = { ...r['cpu'], cpus: '', mems: '' };
    linux['resources'] = r;
  }
  let sandboxPidns = false;
  const namespaces: Json[] = [];
  for (const ns of Array.isArray(linux['namespaces']) ? (linux['namespaces'] as unknown[]) : []) {
    if (!isObject(ns)) continue;
    if (ns['type'] === 'network' || ns['type'] === 'cgroup') continue;
    if (ns['type'] === 'pid') {
      sandboxPidns = typeof ns['path'] === 'string' && ns['path'] !== '';
      continue;
    }
    namespaces.push({ type: ns['type'], path: '' });
  }
  linux['namespaces'] = namespaces;
  spec['linux'] = linux;
  return { spec, sandboxPidns, shares };
}
