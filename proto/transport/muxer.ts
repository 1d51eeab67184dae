import { chmod, rm } from 'node:fs/promises';
import { Server, type Socket } from 'node:net';
import { TransportError, TransportErrorCode } from './errors.js';
import { HVSOCK_HANDSHAKE_TIMEOUT_MS } from './hvsock.js';
import { readLine } from './line.js';
import { checkPeerCredentials, type PeerCredentialPolicy } from './peercred.js';

/** First host-side port number handed out in `OK <port>` replies (Firecracker counts from 2^30). */
export const MUXER_FIRST_HOST_PORT = 1 << 30;

/** Where a muxer delivers a connection for a port: a server (gets 'connection') or a callback. */
export type MuxerTarget = Server | ((socket: Socket) => void);

/** Options of {@link HybridVsockMuxer.listen}. */
export interface MuxerOptions {
  /** How long a client may take to send its CONNECT line. */
  readonly handshakeTimeoutMs?: number;
  /** Peer credential policy for clients of the muxer's unix socket. */
  readonly peerCredentials?: PeerCredentialPolicy;
  /** File mode of the socket (chmod after listening). */
  readonly mode?: number;
}

/**
 * The host side of hybrid vsock as Firecracker and Cloud Hypervisor expose it: a unix socket where
 * a client writes `CONNECT <port>\n` and, if something listens on that port, gets `OK <host
 * port>\n` and a byte stream to it; otherwise the connection is closed without a reply, as the
 * VMMs do. Ward's local sandbox driver and the tests use it in place of a VMM.
 */
export class HybridVsockMuxer {
  readonly path: string;
  private readonly server: Server;
  private readonly targets = new Map<number, MuxerTarget>();
  private readonly handshakeTimeoutMs: number;
  private readonly policy: PeerCredentialPolicy;
  private nextHostPort = MUXER_FIRST_HOST_PORT;

  private constructor(path: string, server: Server, options: MuxerOptions) {
    this.path = path;
    this.server = server;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? HVSOCK_HANDSHAKE_TIMEOUT_MS;
    this.policy = options.peerCredentials ?? 'any';
    server.on('connection', (socket: Socket) => void this.accept(socket));
  }

  /** Listens on `path` (a stale socket file there is replaced). */
  static async listen(path: string, options: MuxerOptions = {}): Promise<HybridVsockMuxer> {
    await rm(path, { force: true });
    const server = new Server();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(
          new TransportError(TransportErrorCode.LISTEN, `hvsock muxer ${path}: ${err.message}`, {
            cause: err,
          }),
        ),
      );
      server.listen(path, () => resolve());
    });
    if (options.mode !== undefined) await chmod(path, options.mode);
    return new HybridVsockMuxer(path, server, options);
  }

  /** Routes CONNECT requests for `port` to `target`. */
  register(port: number, target: MuxerTarget): void {
    if (this.targets.has(port)) {
      throw new TransportError(
        TransportErrorCode.LISTEN,
        `hvsock muxer ${this.path}: port ${port} already taken`,
      );
    }
    this.targets.set(port, target);
  }

  /** Stops routing `port`; later CONNECTs to it are refused. */
  unregister(port: number): void {
    this.targets.delete(port);
  }

  /** Ports currently routed. */
  get ports(): number[] {
    return [...this.targets.keys()];
  }

  /** Stops accepting and removes the socket file; established streams stay up. */
  close(): Promise<void> {
    this.targets.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async accept(socket: Socket): Promise<void> {
    socket.on('error', () => undefined);
    try {
      checkPeerCredentials(socket, this.policy);
      const line = await readLine(socket, this.handshakeTimeoutMs, `hvsock muxer ${this.path}`);
      const m = /^connect ([0-9]{1,10})$/i.exec(line.trim());
      const port = m === null ? undefined : Number(m[1]);
      const target = port === undefined ? undefined : this.targets.get(port);
      if (target === undefined) {
        socket.destroy();
        return;
      }
      socket.write(`OK ${this.nextHostPort++}\n`);
      if (typeof target === 'function') target(socket);
      else target.emit('connection', socket);
    } catch {
      // Bad peers, malformed lines and silent clients are dropped, as a VMM's muxer does.
      socket.destroy();
    }
  }
}
