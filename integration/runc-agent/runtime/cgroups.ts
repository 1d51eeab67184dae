import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where the host mounts its cgroup hierarchies. */
export const CGROUP_ROOT = '/sys/fs/cgroup';
/** Ward's own subtree in every hierarchy: /ward/<sandbox>/<container>. */
export const WARD_CGROUP = 'ward';

/** Whether the host runs the unified (v2) hierarchy only. */
export function isCgroupV2(): boolean {
  return existsSync(join(CGROUP_ROOT, 'cgroup.controllers'));
}

/** The cgroupsPath runc gets for a container of a sandbox. */
export function containerCgroupPath(sandboxId: string, containerId: string): string {
  return `/${WARD_CGROUP}/${sandboxId}/${containerId}`;
}

/** The sandbox's parent cgroup path. */
export function sandboxCgroupPath(sandboxId: string): string {
  return `/${WARD_CGROUP}/${sandboxId}`;
}

/** The OOM-kill counter of a container's memory cgroup (v1 memory.oom_control, v2 memory.events). */
export function oomKillCount(cgroupPath: string): number | undefined {
  const file = isCgroupV2()
    ? join(CGROUP_ROOT, cgroupPath, 'memory.events')
    : join(CGROUP_ROOT, 'memory', cgroupPath, 'memory.oom_control');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m?.[1] ? Number(m[1]) : 0;
}

/** Removes an (empty) cgroup directory in every hierarchy, deepest first; returns how many. */
export function removeCgroup(cgroupPath: string): number {
  const dirs = isCgroupV2()
    ? [join(CGROUP_ROOT, cgroupPath)]
    : readdirSync(CGROUP_ROOT).map((c) => join(CGROUP_ROOT, c, cgroupPath));
  let n = 0;
  for (const d of dirs) n += removeTree(d);
  return n;
}

function removeTree(dir: string): number {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return 0;
  }
  let n = 0;
  for (const e of entries) n += removeTree(join(dir, e));
  try {
    rmdirSync(dir);
    n++;
  } catch {
    // still has tasks, or a hierarchy without the directory
  }
  return n;
}
