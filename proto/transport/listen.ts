import { chmodSync } from 'node:fs';
import { lstat, rm } from 'node:fs/promises';
import { Server, type Socket } from 'node:net';
import { type Address, formatAddress, toAddress } from './address.js';
import { TransportError, TransportErrorCode } from './errors.js';
import { ffiListenUnix } from './ffi-socket.js';
import { HybridVsockMuxer, type MuxerOptions } from './muxer.js';
import { checkPeerCredentials, type PeerCredentialPolicy } from './peercred.js';
import { listenVsock } from './vsock.js';

/** Default listen backlog. */
export const LISTEN_BACKLOG = 511;

/** Options of {@link listen}. */
export interface ListenOptions {
  readonly backlog?: number;
  /** Unix sockets only: who may connect (SO_PEERCRED); refused peers are closed at once. */
  readonly peerCredentials?: PeerCredentialPolicy;
  /** Unix sockets on a path only: chmod the socket file to this mode. */
  readonly mode?: number;
  /** hvsock only: options of the muxer created for the path. */
  readonly muxer?: MuxerOptions;
}

/**
 * A net.Server that holds connections accepted before anyone listens for them. `listen()`
 * resolves after the bind, and a caller may await something else before attaching its
 * handler; Node would emit such a connection to nobody and it would never be read. Held
 * connections are delivered, in order, as soon as a 'connection' listener is added.
 */
export class HoldingServer extends Server {
  private held: Socket[] = [];

  constructor(options?: ConstructorParameters<typeof Server>[0]) {
    super(options);
    this.on('newListener', (event: string | symbol) => {
      if (event !== 'connection' || this.held.length === 0) return;
      const sockets = this.held;
      this.held = [];
      // After the listener is in place (newListener fires before it is added).
      process.nextTick(() => {
        for (const s of sockets) super.emit('connection', s);
      });
    });
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'connection' && this.listenerCount('connection') === 0) {
      const socket = args[0] as Socket;
      this.held.push(socket);
      socket.once('close', () => {
        this.held = this.held.filter((s) => s !== socket);
      });
      return true;
    }
    return super.emit(event, ...args);
  }
}

/**
 * A net.Server that checks each unix peer's credentials before anyone sees the connection. A
 * refused peer is closed and reported with a 'peerRejected' event (error, socket).
 */
export class GuardedServer extends HoldingServer {
  private readonly policy: PeerCredentialPolicy;

  constructor(policy: PeerCredentialPolicy) {
    super();
    this.policy = policy;
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'connection' && this.policy !== 'any') {
      const socket = args[0] as Socket;
      try {
        checkPeerCredentials(socket, this.policy);
      } catch (err) {
        socket.destroy();
        return super.emit('peerRejected', err, socket);
      }
    }
    return super.emit(event, ...args);
  }
}

/**
 * The listener of one port on a hybrid vsock muxer: it never listens itself; the muxer hands it
 * connections. Closing it unregisters the port, and the last port closes the muxer.
 */
export class MuxedPortServer extends Server {
  readonly muxer: HybridVsockMuxer;
  readonly port: number;
  private closedOnce = false;

  constructor(muxer: HybridVsockMuxer, port: number) {
    super();
    this.muxer = muxer;
    this.port = port;
    muxer.register(port, this);
  }

  override close(callback?: (err?: Error) => void): this {
    if (!this.closedOnce) {
      this.closedOnce = true;
      this.muxer.unregister(this.port);
      if (this.muxer.ports.length === 0) releaseMuxer(this.muxer);
      process.nextTick(() => this.emit('close'));
    }
    if (callback !== undefined) process.nextTick(callback);
    return this;
  }
}

const muxers = new Map<string, Promise<HybridVsockMuxer>>();

function releaseMuxer(m: HybridVsockMuxer): void {
  muxers.delete(m.path);
  void m.close();
}

async function removeStaleSocket(path: string): Promise<void> {
  try {
    const st = await lstat(path);
    if (!st.isSocket()) {
      throw new TransportError(
        TransportErrorCode.LISTEN,
        `listen unix://${path}: exists and is not a socket`,
      );
    }
    await rm(path, { force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function netListen(
  server: Server,
  options: { path?: string; host?: string; port?: number; backlog: number },
  what: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new TransportError(TransportErrorCode.LISTEN, `listen ${what}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(options, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Listens on any Ward address and returns a net.Server to hand to a ttrpc Server's `serve()`.
 * hvsock addresses create (or share, within this process) a muxer on the path and register the port.
 */
export async function listen(address: string | Address, options: ListenOptions = {}): Promise<Server> {
  const a = toAddress(address);
  const what = formatAddress(a);
  const backlog = options.backlog ?? LISTEN_BACKLOG;
  const policy = options.peerCredentials ?? 'any';
  if (policy !== 'any' && a.kind !== 'unix') {
    throw new TransportError(
      TransportErrorCode.LISTEN,
      `listen ${what}: peer credentials need a unix socket`,
    );
  }
  switch (a.kind) {
    case 'unix': {
      const server = new GuardedServer(policy);
      // Abstract names go through the FFI so Go and Rust peers find them (see ffiConnectUnix).
      if (a.abstract) return ffiListenUnix(a.path, true, backlog, server);
      await removeStaleSocket(a.path);
      await netListen(server, { path: a.path, backlog }, what);
      // Synchronously: nothing may run between the bind and the caller attaching its handler.
      if (options.mode !== undefined) chmodSync(a.path, options.mode);
      return server;
    }
    case 'tcp': {
      const server = new HoldingServer({ noDelay: true });
      await netListen(server, { host: a.host, port: a.port, backlog }, what);
      return server;
    }
    case 'vsock': {
      const server = new HoldingServer();
      await listenVsock(server, a.cid, a.port, backlog);
      return server;
    }
    case 'hvsock': {
      let pending = muxers.get(a.path);
      if (pending === undefined) {
        pending = HybridVsockMuxer.listen(a.path, options.muxer);
        muxers.set(a.path, pending);
        pending.catch(() => muxers.delete(a.path));
      }
      return new MuxedPortServer(await pending, a.port);
    }
  }
}
