import type { Socket } from 'node:net';
import { TransportError, TransportErrorCode } from './errors.js';

/** Longest handshake line accepted (`CONNECT 4294967295\n` needs 19 bytes). */
export const HANDSHAKE_LINE_MAX = 256;

/**
 * Reads one `\n`-terminated line from a socket in paused mode and puts any bytes after it back,
 * so the stream that follows the handshake reaches its consumer untouched.
 */
export function readLine(socket: Socket, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const finish = (err: Error | undefined, line?: string): void => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      if (err !== undefined) reject(err);
      else resolve(line ?? '');
    };
    const onReadable = (): void => {
      for (
        let chunk = socket.read() as Buffer | null;
        chunk !== null;
        chunk = socket.read() as Buffer | null
      ) {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        const nl = buf.indexOf(0x0a);
        if (nl >= 0) {
          const rest = buf.subarray(nl + 1);
          if (rest.length > 0) socket.unshift(rest);
          finish(undefined, buf.subarray(0, nl).toString('latin1').replace(/\r$/, ''));
          return;
        }
        if (buf.length > HANDSHAKE_LINE_MAX) {
          finish(
            new TransportError(
              TransportErrorCode.HANDSHAKE,
              `${what}: handshake line longer than ${HANDSHAKE_LINE_MAX} bytes`,
            ),
          );
          return;
        }
      }
    };
    const onEnd = (): void =>
      finish(
        new TransportError(TransportErrorCode.HANDSHAKE, `${what}: connection closed during the handshake`),
      );
    const onError = (err: Error): void =>
      finish(new TransportError(TransportErrorCode.HANDSHAKE, `${what}: ${err.message}`, { cause: err }));
    const timer = setTimeout(
      () =>
        finish(
          new TransportError(
            TransportErrorCode.TIMEOUT,
            `${what}: no handshake reply within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
  });
}
