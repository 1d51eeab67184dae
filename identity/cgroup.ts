import { IdentityError } from './errors.js';

/** Longest /proc/<pid>/cgroup or mountinfo line considered; longer lines are refused. */
export const MAX_CGROUP_LINE = 4096;
/** Most lines read from /proc/<pid>/cgroup. */
export const MAX_CGROUP_LINES = 256;

// POSIX [[:punct:]] and [[:xdigit:]] as RE2 (Go) defines them: ASCII only.
const P = '[!-\\/:-@\\[-`{-~]';
const NP = '[^!-\\/:-@\\[-`{-~]';
const X = '[0-9A-Fa-f]';

/**
 * SPIRE k8s attestor's pattern: a `pod`-prefixed pod UID whose groups may be separated by any
 * punctuation (systemd writes `_`), then punctuation-separated segments, then the container id
 * as the final run of non-punctuation. Applied after trimming a `.scope` suffix.
 */
export const POD_CGROUP_RE = new RegExp(
  `${P}pod(${X}{8}${P}${X}{4}${P}${X}{4}${P}${X}{4}${P}${X}{12})${P}(?:${NP}+${P})*(${NP}+)$`,
);

/** Ward's pod-less form (containerd without CRI): a 64-hex container id ends the path. */
export const BARE_CONTAINER_RE = /(?:^|[!-/:-@[-`{-~])([0-9a-f]{64})$/;

/** One line of /proc/<pid>/cgroup. */
export interface CgroupEntry {
  readonly hierarchy: number;
  readonly controllers: string;
  readonly path: string;
}

/** A container found in a process's cgroups; podUid is '' for the pod-less form. */
export interface CgroupMatch {
  readonly containerId: string;
  readonly podUid: string;
}

function cgroupError(message: string): IdentityError {
  return new IdentityError('ERR_IDENTITY_CGROUP', message);
}

/**
 * Parses /proc/<pid>/cgroup (`hierarchy-id:controllers:path`; the path itself may hold colons,
 * as systemd's `slice:prefix:name` does). Any malformed line rejects the whole file.
 */
export function parseCgroupFile(text: string): CgroupEntry[] {
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines.length > MAX_CGROUP_LINES) throw cgroupError(`more than ${MAX_CGROUP_LINES} cgroup lines`);
  return lines.map((line) => {
    if (line.length > MAX_CGROUP_LINE) throw cgroupError('cgroup line too long');
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b < 0) throw cgroupError(`malformed cgroup line '${line}': want hierarchy:controllers:path`);
    const id = line.slice(0, a);
    const path = line.slice(b + 1);
    if (!/^\d{1,9}$/.test(id) || !path.startsWith('/')) {
      throw cgroupError(`malformed cgroup line '${line}': want hierarchy:controllers:path`);
    }
    return { hierarchy: Number(id), controllers: line.slice(a + 1, b), path };
  });
}

/** Kubernetes' spelling of a pod UID: every punctuation character becomes '-'. */
export function canonicalPodUid(uid: string): string {
  return uid.replace(/[!-/:-@[-`{-~]/g, '-').toLowerCase();
}

/** The container (and pod) one cgroup path names, or null. */
export function matchCgroupPath(path: string): CgroupMatch | null {
  const p = path.endsWith('.scope') ? path.slice(0, -'.scope'.length) : path;
  const pod = POD_CGROUP_RE.exec(p);
  if (pod) return { podUid: canonicalPodUid(pod[1]!), containerId: pod[2]! };
  const bare = BARE_CONTAINER_RE.exec(p);
  if (bare) return { podUid: '', containerId: bare[1]! };
  return null;
}

/**
 * The one container all cgroup paths agree on, or null when none names a container. Two paths
 * naming different containers or pods are an error (SPIRE does the same): a process cannot be in
 * two containers, so such a set of cgroups is forged or broken and must not yield selectors.
 */
export function matchCgroupPaths(paths: readonly string[]): CgroupMatch | null {
  let found: CgroupMatch | null = null;
  for (const path of paths) {
    const m = matchCgroupPath(path);
    if (!m) continue;
    if (!found) {
      found = m;
      continue;
    }
    if (m.containerId !== found.containerId) {
      throw cgroupError(`multiple container ids found in cgroups (${found.containerId}, ${m.containerId})`);
    }
    if (m.podUid !== found.podUid) {
      throw cgroupError(`multiple pod UIDs found in cgroups (${found.podUid || '-'}, ${m.podUid || '-'})`);
    }
  }
  return found;
}

/**
 * Cgroup roots of the cgroup / cgroup2 mounts in a /proc/<pid>/mountinfo: inside a cgroup
 * namespace /proc/<pid>/cgroup shows `/`, while the mount's root still names the real path.
 */
export function cgroupRootsFromMountinfo(text: string): string[] {
  const roots: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.length > MAX_CGROUP_LINE) continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const root = line.slice(0, sep).split(' ')[3];
    // mountinfo escapes space, tab, newline and backslash as octal.
    if (root && root !== '/')
      roots.push(root.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return roots;
}

/**
 * runc's expansion of a systemd cgroupsPath `slice:prefix:name` into the cgroupfs path
 * (`a-b.slice` nests under `a.slice`); cgroupfs paths are returned unchanged.
 */
export function expandCgroupsPath(cgroupsPath: string): string {
  if (cgroupsPath.startsWith('/') || cgroupsPath === '') return cgroupsPath;
  const parts = cgroupsPath.split(':');
  if (parts.length !== 3) return cgroupsPath;
  const [slice, prefix, name] = parts as [string, string, string];
  let dir = '';
  if (slice !== '' && slice !== '-.slice') {
    const base = slice.slice(0, -'.slice'.length).split('-');
    for (let i = 1; i <= base.length; i++) dir += `/${base.slice(0, i).join('-')}.slice`;
  }
  const unit = name.endsWith('.slice') ? name : `${prefix ? `${prefix}-` : ''}${name}.scope`;
  return `${dir}/${unit}`;
}

/** True when a process's cgroup path is the registered cgroupsPath (or nested under a parent). */
export function cgroupPathMatches(procPath: string, cgroupsPath: string): boolean {
  const want = expandCgroupsPath(cgroupsPath).replace(/\/+$/, '');
  if (want === '' || want === '/') return false;
  return procPath === want || procPath.endsWith(want.startsWith('/') ? want : `/${want}`);
}
