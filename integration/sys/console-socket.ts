import { unlinkSync } from 'node:fs';
import koffi from 'koffi';
import { Errno, SysError } from './errors.js';
import { lastErrno, libc } from './libc.js';

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_DONTWAIT = 0x40;
const MSG_CMSG_CLOEXEC = 0x40000000;
const F_DUPFD_CLOEXEC = 1030;
/** sockaddr_un's sun_path size, including the terminating NUL. */
export const UNIX_PATH_MAX = 108;
/** Bytes of the message runc sends beside the fd (the pty's name). */
const NAME_BUFFER = 4096;
/** Room for one cmsghdr (16 bytes on 64-bit) carrying one int, aligned. */
const CONTROL_BUFFER = 64;

/**
 * A listening unix socket for runc's `--console-socket`: runc connects and sends the pty master
 * as SCM_RIGHTS ancillary data. Node cannot receive fds on a non-IPC socket, so the socket is
 * made with libc (non-blocking) and driven by libuv's poll watcher through koffi.
 */
export class ConsoleSocket {
  /** The socket's path, to pass as `--console-socket`. */
  readonly path: string;
  readonly #fd: number;
  #closed = false;
  #poll: ReturnType<typeof koffi.node.poll> | undefined;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  /** Binds and listens at `path` (which must not exist). */
  static listen(path: string): ConsoleSocket {
    const pathBytes = Buffer.from(path);
    if (pathBytes.length >= UNIX_PATH_MAX) throw new SysError('bind', Errno.EINVAL, `path too long: ${path}`);
    const lib = libc();
    const fd = lib.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw new SysError('socket', lastErrno(), 'AF_UNIX');
    const addr = Buffer.alloc(2 + UNIX_PATH_MAX);
    addr.writeUInt16LE(AF_UNIX, 0);
    pathBytes.copy(addr, 2);
    if (lib.bind(fd, addr, 2 + pathBytes.length + 1) !== 0 || lib.listen(fd, 1) !== 0) {
      const errno = lastErrno();
      lib.close(fd);
      throw new SysError('bind', errno, path);
    }
    return new ConsoleSocket(path, fd);
  }

  /**
   * Resolves with the received pty master fd (close-on-exec) and the pty name runc sent.
   * Rejects if {@link close} is called first (e.g. because `runc create` failed).
   */
  receiveMaster(): Promise<{ fd: number; name: string }> {
    return new Promise((resolve, reject) => {
      const lib = libc();
      const fail = (err: Error): void => {
        this.#stopPoll();
        reject(err);
      };
      this.#poll = koffi.node.poll(this.#fd, { readable: true, disconnect: true }, () => {
        if (this.#closed) return fail(new SysError('accept4', Errno.EBADF, 'console socket closed'));
        const conn = lib.accept4(this.#fd, null, null, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (conn < 0) {
          const errno = lastErrno();
          if (errno === Errno.EAGAIN || errno === Errno.EINTR) return;
          return fail(new SysError('accept4', errno, this.path));
        }
        this.#stopPoll();
        this.#poll = koffi.node.poll(conn, { readable: true, disconnect: true }, () => {
          try {
            const got = receiveFd(conn);
            if (got === undefined) return;
            this.#stopPoll();
            lib.close(conn);
            resolve(got);
          } catch (err) {
            lib.close(conn);
            fail(err as Error);
          }
        });
      });
    });
  }

  /** Stops listening and removes the socket file. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopPoll();
    libc().close(this.#fd);
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }

  #stopPoll(): void {
    this.#poll?.close();
    this.#poll = undefined;
  }
}

/** One recvmsg on a non-blocking socket; undefined when no data is there yet. */
function receiveFd(conn: number): { fd: number; name: string } | undefined {
  const data = Buffer.alloc(NAME_BUFFER);
  const control = Buffer.alloc(CONTROL_BUFFER);
  const msg = {
    msg_name: null,
    msg_namelen: 0,
    msg_iov: [{ iov_base: data, iov_len: data.length }],
    msg_iovlen: 1,
    msg_control: control,
    msg_controllen: control.length,
    msg_flags: 0,
  };
  const n = libc().recvmsg(conn, msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0) {
    const errno = lastErrno();
    if (errno === Errno.EAGAIN || errno === Errno.EINTR) return undefined;
    throw new SysError('recvmsg', errno, 'console socket');
  }
  if (n === 0) throw new SysError('recvmsg', Errno.EBADF, 'runc closed the console socket without a pty');
  const level = control.readInt32LE(8);
  const type = control.readInt32LE(12);
  if (level !== SOL_SOCKET || type !== SCM_RIGHTS) {
    throw new SysError('recvmsg', Errno.EINVAL, 'no SCM_RIGHTS in the console socket message');
  }
  return { fd: control.readInt32LE(16), name: data.subarray(0, Number(n)).toString('utf8') };
}

/** Duplicates an fd (close-on-exec), e.g. to give a pty master separate read and write handles. */
export function dupFd(fd: number): number {
  const r = libc().fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (r < 0) throw new SysError('fcntl', lastErrno(), `F_DUPFD_CLOEXEC ${fd}`);
  return r;
}

/** Closes an fd obtained through these helpers. */
export function closeFd(fd: number): void {
  libc().close(fd);
}
