import type { Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TtrpcError } from './errors.js';
import { type ServiceDefinition, ServiceRegistry, type UnaryHandler } from './registry.js';
import { type ConnectionOwner, ServerConnection } from './server-connection.js';

/** Lifecycle of a {@link Server}. */
export type ServerState = 'serving' | 'shutting-down' | 'closed';

/**
 * A ttrpc server: a registry of services served on any number of listeners and connections.
 *
 *   const server = new Server();
 *   server.register('grpc.Health', { Check: (payload, ctx) => reply });
 *   server.serve(await listen('unix:///run/x.sock'));
 *
 * `shutdown()` stops accepting, lets in-flight calls answer, then closes; `close()` drops
 * everything at once.
 */
export class Server implements ConnectionOwner {
  private readonly registry = new ServiceRegistry();
  private readonly connections = new Set<ServerConnection>();
  private readonly listeners = new Set<NetServer>();
  private currentState: ServerState = 'serving';
  private idleWaiters: (() => void)[] = [];
  private readonly onListenerConnection = (socket: Socket): void => this.handleConnection(socket);

  /** Where the server is in its lifecycle. */
  get state(): ServerState {
    return this.currentState;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Registers a service by its fully qualified proto name; each name once. */
  register(name: string, service: ServiceDefinition): this {
    this.registry.register(name, service);
    return this;
  }

  /** Sets a unary handler for calls to methods nobody registered (context names the method). */
  setFallback(handler: UnaryHandler | undefined): this {
    this.registry.setFallback(handler);
    return this;
  }

  /** Serves every connection the listener accepts, until shutdown or close. */
  serve(listener: NetServer): void {
    if (this.currentState !== 'serving') throw new Error(`ttrpc: server is ${this.currentState}`);
    this.listeners.add(listener);
    listener.on('connection', this.onListenerConnection);
  }

  /** Serves one already-connected stream (e.g. from a hybrid vsock muxer or a socketpair). */
  handleConnection(socket: Duplex): void {
    if (this.currentState !== 'serving') {
      socket.destroy();
      return;
    }
    this.connections.add(new ServerConnection(socket, this.registry, this));
  }

  /** Graceful shutdown: stop accepting, let in-flight calls finish, then close every connection. */
  shutdown(): Promise<void> {
    if (this.currentState === 'serving') {
      this.currentState = 'shutting-down';
      this.closeListeners();
      for (const c of this.connections) c.drain();
    }
    return this.whenIdle();
  }

  /** Forced close: listeners and connections close now; in-flight calls are aborted. */
  close(): Promise<void> {
    if (this.currentState !== 'closed') {
      this.currentState = 'closed';
      this.closeListeners();
      for (const c of this.connections) c.destroy();
    }
    return this.whenIdle();
  }

  connectionClosed(conn: ServerConnection, _error: TtrpcError): void {
    this.connections.delete(conn);
    if (this.connections.size === 0 && this.currentState !== 'serving') {
      this.currentState = 'closed';
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private whenIdle(): Promise<void> {
    if (this.connections.size === 0) {
      this.currentState = 'closed';
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private closeListeners(): void {
    for (const l of this.listeners) {
      l.off('connection', this.onListenerConnection);
      // A listener already closed by its owner reports ERR_SERVER_NOT_RUNNING; nothing to do then.
      l.close(() => undefined);
    }
    this.listeners.clear();
  }
}
