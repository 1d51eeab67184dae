import { connect as netConnect, type Socket } from 'node:net';
import { type Address, formatAddress, toAddress } from './address.js';
import { TransportError, TransportErrorCode } from './errors.js';
import { ffiConnectUnix } from './ffi-socket.js';
import { connectHybridVsock } from './hvsock.js';
import { connectVsock } from './vsock.js';

/** Default budget for establishing a unix or TCP connection. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Connect budget (for hvsock: connect plus handshake). */
  readonly timeoutMs?: number;
}

function netStream(socket: Socket, what: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      if (err === undefined) {
        resolve(socket);
      } else {
        socket.destroy();
        reject(err);
      }
    };
    const onConnect = (): void => done();
    const onError = (err: Error): void =>
      done(new TransportError(TransportErrorCode.CONNECT, `connect ${what}: ${err.message}`, { cause: err }));
    const timer = setTimeout(
      () =>
        done(
          new TransportError(TransportErrorCode.TIMEOUT, `connect ${what}: timed out after ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    socket.once('connect', onConnect);
    socket.once('error', onError);
  });
}

/** Connects to any Ward address and returns the connected byte stream. */
export async function connect(address: string | Address, options: ConnectOptions = {}): Promise<Socket> {
  const a = toAddress(address);
  const what = formatAddress(a);
  switch (a.kind) {
    case 'unix':
      // Abstract names go through the FFI: node would pad them to 108 bytes (see ffiConnectUnix).
      if (a.abstract) return ffiConnectUnix(a.path, true);
      return netStream(netConnect({ path: a.path }), what, options.timeoutMs ?? CONNECT_TIMEOUT_MS);
    case 'tcp': {
      const socket = await netStream(
        netConnect({ host: a.host, port: a.port, noDelay: true }),
        what,
        options.timeoutMs ?? CONNECT_TIMEOUT_MS,
      );
      return socket;
    }
    case 'vsock':
      return connectVsock(a.cid, a.port);
    case 'hvsock':
      return connectHybridVsock(
        a.path,
        a.port,
        options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
      );
  }
}
