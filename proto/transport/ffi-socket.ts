import { Server, type Socket } from 'node:net';
import { TransportErrorCode } from './errors.js';
import { listenOnFd, socketFromFd } from './fd-stream.js';
import { lastErrno, socketLibc, syscallError } from './libc.js';
import { AF_UNIX, encodeSockaddrUn, SOCK_CLOEXEC, SOCK_STREAM } from './sockaddr.js';

/** Creates a stream socket of the given family through the FFI (close-on-exec). */
export function ffiSocket(family: number, what: string): number {
  const fd = socketLibc().socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw syscallError(TransportErrorCode.SYSCALL, `socket ${what}`, lastErrno());
  return fd;
}

/** Closes a descriptor made through the FFI that was never handed to libuv. */
export function ffiClose(fd: number): void {
  socketLibc().close(fd);
}

/**
 * Connects a new socket of `family` to `addr`: socket() and a blocking connect() on koffi's worker
 * thread (the event loop never blocks and nothing polls), then the descriptor becomes a net.Socket.
 */
export function ffiConnect(family: number, addr: Buffer, length: number, what: string): Promise<Socket> {
  const libc = socketLibc();
  const fd = ffiSocket(family, what);
  return new Promise((resolve, reject) => {
    libc.connect.async(fd, addr, length, (err: unknown, rc: number) => {
      const errno = lastErrno();
      if (err !== null && err !== undefined) {
        libc.close(fd);
        reject(err);
        return;
      }
      if (rc !== 0) {
        libc.close(fd);
        reject(syscallError(TransportErrorCode.CONNECT, `connect ${what}`, errno));
        return;
      }
      try {
        resolve(socketFromFd(fd));
      } catch (e) {
        libc.close(fd);
        reject(e);
      }
    });
  });
}

/** socket(), bind() and listen() through the FFI, then libuv accepts on it for `server`. */
export async function ffiListen(
  server: Server,
  family: number,
  addr: Buffer,
  length: number,
  backlog: number,
  what: string,
): Promise<void> {
  const libc = socketLibc();
  const fd = ffiSocket(family, what);
  if (libc.bind(fd, addr, length) !== 0) {
    const errno = lastErrno();
    libc.close(fd);
    throw syscallError(TransportErrorCode.LISTEN, `bind ${what}`, errno);
  }
  if (libc.listen(fd, backlog) !== 0) {
    const errno = lastErrno();
    libc.close(fd);
    throw syscallError(TransportErrorCode.LISTEN, `listen ${what}`, errno);
  }
  try {
    await listenOnFd(server, fd, backlog);
  } catch (err) {
    libc.close(fd);
    throw err;
  }
}

/**
 * The vsock code path over AF_UNIX: connect through the FFI exactly as vsock does, with a
 * sockaddr_un instead of a sockaddr_vm. Tests prove the vsock path with it where vsock is off
 * limits, and abstract addresses use it for real: node pads abstract names to all 108 bytes of
 * sun_path, while Go, Rust and the kernel's usual form count only the name's bytes, so node's own
 * `\0name` sockets cannot meet Go's `@name` ones.
 */
export function ffiConnectUnix(path: string, abstract = false): Promise<Socket> {
  const { addr, length } = encodeSockaddrUn(path, abstract);
  return ffiConnect(AF_UNIX, addr, length, abstract ? `unix:@${path}` : `unix:${path}`);
}

/** The vsock listening path over AF_UNIX (see {@link ffiConnectUnix}); `server` defaults to a new one. */
export async function ffiListenUnix(
  path: string,
  abstract = false,
  backlog = 511,
  server: Server = new Server(),
): Promise<Server> {
  const { addr, length } = encodeSockaddrUn(path, abstract);
  await ffiListen(server, AF_UNIX, addr, length, backlog, abstract ? `unix:@${path}` : `unix:${path}`);
  return server;
}
