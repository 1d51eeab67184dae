import { type Server, Socket } from 'node:net';
import { TransportError, TransportErrorCode } from './errors.js';

/**
 * Hands file descriptors made through the FFI to libuv, so they become ordinary node streams driven
 * by the event loop (no polling). `new net.Socket({ fd })` and `server.listen({ fd })` refuse
 * AF_VSOCK descriptors: libuv's handle-type guess knows only AF_UNIX and AF_INET*, and answers
 * UNKNOWN. So the descriptor is opened into a libuv handle directly: a pipe handle for a connected
 * stream (uv_pipe_open accepts any stream socket) and a TCP handle for a listening socket, the one
 * handle type `server.listen(handle)` takes (uv_tcp_open/uv_listen need only a listening stream fd;
 * nothing TCP-specific is called unless asked for). AF_UNIX descriptors take the same path in tests.
 */

interface UvHandle {
  open(fd: number): number;
  close(callback?: () => void): void;
}

interface WrapBinding {
  readonly Pipe?: new (type: number) => UvHandle;
  readonly TCP?: new (type: number) => UvHandle;
  readonly constants: { readonly SOCKET: number; readonly SERVER: number };
}

function binding(name: 'pipe_wrap' | 'tcp_wrap'): WrapBinding {
  return (process as unknown as { binding(name: string): WrapBinding }).binding(name);
}

function openError(what: string, status: number): TransportError {
  return new TransportError(TransportErrorCode.SYSCALL, `${what}: libuv refused the descriptor (${status})`, {
    errno: -status,
  });
}

/** Wraps a connected stream socket descriptor into a net.Socket; the socket owns the fd afterwards. */
export function socketFromFd(fd: number): Socket {
  const b = binding('pipe_wrap');
  if (b.Pipe === undefined) throw openError('pipe_wrap', -1);
  const handle = new b.Pipe(b.constants.SOCKET);
  const status = handle.open(fd);
  if (status !== 0) {
    handle.close();
    throw openError('uv_pipe_open', status);
  }
  const opts = { handle, readable: true, writable: true };
  return new Socket(opts as ConstructorParameters<typeof Socket>[0]);
}

/** Makes `server` accept on a bound, listening socket descriptor; the server owns the fd afterwards. */
export function listenOnFd(server: Server, fd: number, backlog: number): Promise<void> {
  const b = binding('tcp_wrap');
  if (b.TCP === undefined) throw openError('tcp_wrap', -1);
  const handle = new b.TCP(b.constants.SERVER);
  const status = handle.open(fd);
  if (status !== 0) {
    handle.close();
    throw openError('uv_tcp_open', status);
  }
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(handle, backlog, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
