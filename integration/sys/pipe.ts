import { SysError } from './errors.js';
import { lastErrno, libc } from './libc.js';

const O_CLOEXEC = 0o2000000;

/** Two ends of a kernel pipe. */
export interface PipeFds {
  readonly read: number;
  readonly write: number;
}

/**
 * Creates a real pipe (close-on-exec on both ends). Node's child_process 'pipe' stdio gives a
 * socketpair, which some programs treat differently from a pipe (open("/dev/stdout") fails on
 * a socket), so container stdio uses these; child_process dups them onto 0/1/2.
 */
export function pipe(): PipeFds {
  const fds = [0, 0];
  if (libc().pipe2(fds, O_CLOEXEC) !== 0) throw new SysError('pipe2', lastErrno(), 'O_CLOEXEC');
  return { read: fds[0] ?? -1, write: fds[1] ?? -1 };
}
