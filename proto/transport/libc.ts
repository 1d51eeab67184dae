import { createRequire } from 'node:module';
import { constants } from 'node:os';
import type { KoffiFunc } from 'koffi';
import { TransportError, TransportErrorCode } from './errors.js';

type Koffi = typeof import('koffi');

let koffiModule: Koffi | undefined;

/** koffi, loaded on first use: importing ward/ttrpc must not need the native module. */
function koffi(): Koffi {
  koffiModule ??= createRequire(import.meta.url)('koffi') as Koffi;
  return koffiModule;
}

/** The socket system calls Ward makes through koffi (AF_VSOCK has no node API). */
export interface SocketLibc {
  socket: KoffiFunc<(domain: number, type: number, protocol: number) => number>;
  bind: KoffiFunc<(fd: number, addr: Buffer, len: number) => number>;
  listen: KoffiFunc<(fd: number, backlog: number) => number>;
  connect: KoffiFunc<(fd: number, addr: Buffer, len: number) => number>;
  getsockopt: KoffiFunc<(fd: number, level: number, name: number, value: Buffer, len: Buffer) => number>;
  close: KoffiFunc<(fd: number) => number>;
}

let cached: SocketLibc | undefined;

/** Loads libc's socket calls once. Throws ERR_TRANSPORT_SYSCALL where libc cannot be loaded. */
export function socketLibc(): SocketLibc {
  if (cached !== undefined) return cached;
  try {
    const lib = koffi().load('libc.so.6');
    cached = {
      socket: lib.func('int socket(int, int, int)') as SocketLibc['socket'],
      bind: lib.func('int bind(int, const void *, uint32_t)') as SocketLibc['bind'],
      listen: lib.func('int listen(int, int)') as SocketLibc['listen'],
      connect: lib.func('int connect(int, const void *, uint32_t)') as SocketLibc['connect'],
      getsockopt: lib.func('int getsockopt(int, int, int, void *, void *)') as SocketLibc['getsockopt'],
      close: lib.func('int close(int)') as SocketLibc['close'],
    };
    return cached;
  } catch (err) {
    throw new TransportError(
      TransportErrorCode.SYSCALL,
      `cannot load libc through koffi: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** errno of the last FFI call on this thread (or of the async call whose callback is running). */
export function lastErrno(): number {
  return koffi().errno();
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The error for a failed system call, naming errno (e.g. `connect vsock://3:1024: ECONNREFUSED`). */
export function syscallError(
  code: (typeof TransportErrorCode)[keyof typeof TransportErrorCode],
  call: string,
  errno: number,
): TransportError {
  const name = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  return new TransportError(code, `${call}: ${name}`, { errno });
}
