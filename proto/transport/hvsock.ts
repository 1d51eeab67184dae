import { connect as netConnect, type Socket } from 'node:net';
import { TransportError, TransportErrorCode } from './errors.js';
import { readLine } from './line.js';

/** How long a hybrid vsock client waits for the muxer's reply (Kata and Firecracker use 10 s too). */
export const HVSOCK_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Options for {@link connectHybridVsock}. */
export interface HybridVsockOptions {
  /** Connect plus handshake budget; defaults to {@link HVSOCK_HANDSHAKE_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

/**
 * Connects through a hybrid vsock muxer (Firecracker, Cloud Hypervisor): connect to its unix
 * socket, send `CONNECT <port>\n`, expect a line starting with `OK` (case-insensitive, usually
 * `OK <host port>`). Anything else, an early close or silence past the timeout fails the connect.
 */
export async function connectHybridVsock(
  path: string,
  port: number,
  options: HybridVsockOptions = {},
): Promise<Socket> {
  const timeoutMs = options.timeoutMs ?? HVSOCK_HANDSHAKE_TIMEOUT_MS;
  const what = `hvsock://${path}:${port}`;
  const started = Date.now();
  const socket = netConnect(path);
  try {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer);
        socket.off('connect', onConnect);
        socket.off('error', onError);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onConnect = (): void => done();
      const onError = (err: Error): void =>
        done(new TransportError(TransportErrorCode.CONNECT, `${what}: ${err.message}`, { cause: err }));
      const timer = setTimeout(
        () =>
          done(
            new TransportError(
              TransportErrorCode.TIMEOUT,
              `${what}: connect timed out after ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      socket.once('connect', onConnect);
      socket.once('error', onError);
    });
    socket.write(`CONNECT ${port}\n`);
    const line = await readLine(socket, Math.max(1, timeoutMs - (Date.now() - started)), what);
    if (!/^ok(\s|$)/i.test(line)) {
      throw new TransportError(
        TransportErrorCode.HANDSHAKE,
        `${what}: muxer answered "${line.slice(0, 64)}"`,
      );
    }
    return socket;
  } catch (err) {
    socket.destroy();
    throw err;
  }
}
