import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupMatch } from './cgroup.js';
import { cgroupRootsFromMountinfo, matchCgroupPaths, parseCgroupFile } from './cgroup.js';
import { IdentityError } from './errors.js';

/** Largest pid value Linux allows (PID_MAX_LIMIT); AttestRequest.pid is an int32. */
export const MAX_PID = 4194304;

/** What a pid's cgroups say: the container they name (if any) and every path considered. */
export interface ProcessCgroups {
  readonly match: CgroupMatch | null;
  readonly paths: readonly string[];
}

async function readProcFile(procRoot: string, pid: number, name: string): Promise<string> {
  try {
    return await readFile(join(procRoot, String(pid), name), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') {
      throw new IdentityError('ERR_IDENTITY_PROCESS_GONE', `process ${pid} not found (exited?)`, {
        cause: err,
      });
    }
    throw new IdentityError('ERR_IDENTITY_CGROUP', `cannot read ${name} of process ${pid}`, { cause: err });
  }
}

/**
 * Resolves a pid to the container its cgroups name, reading `<procRoot>/<pid>/cgroup`, and
 * `<procRoot>/<pid>/mountinfo` when a cgroup namespace hides the path. A vanished pid is
 * ERR_IDENTITY_PROCESS_GONE; a malformed or contradictory cgroup file is ERR_IDENTITY_CGROUP.
 */
export async function cgroupsOfPid(pid: number, procRoot = '/proc'): Promise<ProcessCgroups> {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > MAX_PID) {
    throw new IdentityError('ERR_IDENTITY_BAD_ARGUMENT', `invalid pid ${pid}`);
  }
  const entries = parseCgroupFile(await readProcFile(procRoot, pid, 'cgroup'));
  const paths = entries.map((e) => e.path);
  let match = matchCgroupPaths(paths);
  if (!match && paths.every((p) => p === '/')) {
    const roots = cgroupRootsFromMountinfo(await readProcFile(procRoot, pid, 'mountinfo'));
    match = matchCgroupPaths(roots);
    return { match, paths: [...paths, ...roots] };
  }
  return { match, paths };
}
