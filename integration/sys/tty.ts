import { SysError } from './errors.js';
import { lastErrno, libc } from './libc.js';

const TIOCSWINSZ = 0x5414;

/** Sets a terminal's window size (TIOCSWINSZ on the pty master); the kernel sends SIGWINCH. */
export function setWindowSize(fd: number, rows: number, cols: number): void {
  const ws = { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
  if (libc().ioctlWinsize(fd, TIOCSWINSZ, ws) !== 0) {
    throw new SysError('ioctl', lastErrno(), `TIOCSWINSZ ${rows}x${cols}`);
  }
}
