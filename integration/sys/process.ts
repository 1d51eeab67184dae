import { Errno, SysError } from './errors.js';
import { lastErrno, libc } from './libc.js';

const PR_SET_CHILD_SUBREAPER = 36;
const PR_GET_CHILD_SUBREAPER = 37;
const WNOHANG = 1;
/** Shell convention for a death by signal n: 128 + n. */
export const SIGNAL_EXIT_BASE = 128;

/**
 * Makes this process a child subreaper: orphaned descendants (a container's init once
 * `runc create` exits, detached `runc exec` processes) are re-parented to it rather than to pid 1,
 * so their exit statuses can be collected with {@link reapPid}.
 */
export function setChildSubreaper(): void {
  if (libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) !== 0) {
    throw new SysError('prctl', lastErrno(), 'PR_SET_CHILD_SUBREAPER');
  }
}

/** Whether this process is a child subreaper (PR_GET_CHILD_SUBREAPER). */
export function isChildSubreaper(): boolean {
  const out = [0];
  if (libc().prctlGetInt(PR_GET_CHILD_SUBREAPER, out, 0, 0, 0) !== 0) {
    throw new SysError('prctl', lastErrno(), 'PR_GET_CHILD_SUBREAPER');
  }
  return out[0] === 1;
}

/** How a process ended, as the Kata agent reports it. */
export interface ExitStatus {
  /** Exit code, or 128 + signal number for a death by signal. */
  readonly code: number;
  /** The killing signal, when the process died by one. */
  readonly signal?: number;
}

/** Decodes a wait(2) status word into an exit code (signal deaths become 128 + n). */
export function decodeWaitStatus(status: number): ExitStatus {
  const sig = status & 0x7f;
  if (sig === 0) return { code: (status >> 8) & 0xff };
  return { code: SIGNAL_EXIT_BASE + sig, signal: sig };
}

/**
 * Collects the exit of one known child without blocking. Returns undefined while it runs.
 * Waits for exactly this pid, never -1, so the exits of Node's own children (libuv reaps
 * those by pid too) are never stolen. ECHILD (someone else reaped it, or not our child) throws.
 * A pid that is not a positive integer throws EINVAL without calling waitpid: waitpid(0) and
 * waitpid(-n) would collect any child of a process group, including ones libuv owns.
 */
export function reapPid(pid: number): ExitStatus | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new SysError('waitpid', Errno.EINVAL, String(pid));
  const status = [0];
  for (;;) {
    const r = libc().waitpid(pid, status, WNOHANG);
    if (r === pid) return decodeWaitStatus(status[0] ?? 0);
    if (r === 0) return undefined;
    const errno = lastErrno();
    if (errno === Errno.EINTR) continue;
    throw new SysError('waitpid', errno, String(pid));
  }
}
