/**
 * A failed system call made through the FFI layer. `errno` is the C error number and `syscall`
 * names the call, so callers can react to ENOENT / EBUSY / EINVAL precisely.
 */
export class SysError extends Error {
  /** Stable code for the whole area. */
  readonly code = 'ERR_SYS_CALL';
  /** C errno of the failed call. */
  readonly errno: number;
  /** The failed system call, e.g. `umount2`. */
  readonly syscall: string;

  /** @param syscall the call. @param errno its errno. @param detail what it was applied to. */
  constructor(syscall: string, errno: number, detail: string, options?: ErrorOptions) {
    super(`${syscall}(${detail}) failed: ${errnoName(errno)} (${errno})`, options);
    this.name = 'SysError';
    this.errno = errno;
    this.syscall = syscall;
  }
}

/** Linux errno values the helpers branch on. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
} as const;

function errnoName(n: number): string {
  for (const [k, v] of Object.entries(Errno)) if (v === n) return k;
  return `errno ${n}`;
}
