import type { CallContext } from './context.js';
import type { RawResponse } from './raw-response.js';

/** The receive/send side of a streaming call, as a server handler sees it. */
export interface ServerStream {
  /** The next message from the client, or undefined once the client closed its side. */
  recv(): Promise<Uint8Array | undefined>;
  /** Sends one message to the client; resolves when the socket can take more. */
  send(payload: Uint8Array): Promise<void>;
  /** Iterates over the client's messages until it closes its side. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
}

/**
 * A unary handler: request payload in, response payload out; throw a TtrpcError for a status.
 * A proxy may answer with a {@link RawResponse}, which goes out byte for byte.
 */
export type UnaryHandler = (
  payload: Uint8Array,
  ctx: CallContext,
) => Uint8Array | RawResponse | Promise<Uint8Array | RawResponse>;

/**
 * A streaming handler. For a server-streaming method a returned payload is sent as the last
 * message; for a client-streaming-only method it is the response payload.
 */
export type StreamHandler = (
  stream: ServerStream,
  ctx: CallContext,
) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/** Describes a streaming method (what `rpc M(stream A) returns (stream B)` declares). */
export interface StreamMethod {
  readonly streamingClient: boolean;
  readonly streamingServer: boolean;
  readonly handler: StreamHandler;
}

/** One method: a unary handler function or a streaming method descriptor. */
export type MethodDefinition = UnaryHandler | StreamMethod;

/** A service's methods by name (the proto method names, e.g. `CreateContainer`). */
export type ServiceDefinition = Readonly<Record<string, MethodDefinition>>;

/** Services by fully qualified name (`containerd.task.v2.Task`), plus an optional fallback. */
export class ServiceRegistry {
  private readonly services = new Map<string, ServiceDefinition>();
  private fallback: UnaryHandler | undefined;

  /** Registers a service; a name may be registered once. */
  register(name: string, service: ServiceDefinition): void {
    if (this.services.has(name)) throw new Error(`ttrpc: service ${name} registered twice`);
    for (const [method, def] of Object.entries(service)) {
      if (typeof def !== 'function' && typeof def?.handler !== 'function') {
        throw new Error(`ttrpc: ${name}/${method} has no handler`);
      }
    }
    this.services.set(name, service);
  }

  /** Handles every unary call to a service or method nobody registered (e.g. a forwarding proxy). */
  setFallback(handler: UnaryHandler | undefined): void {
    this.fallback = handler;
  }

  /** Finds the method for a call (or the fallback); undefined when neither exists. */
  resolve(service: string, method: string): MethodDefinition | undefined {
    const svc = this.services.get(service);
    const def = svc !== undefined && Object.hasOwn(svc, method) ? svc[method] : undefined;
    return def ?? this.fallback;
  }

  /** True if a service of that name is registered. */
  hasService(service: string): boolean {
    return this.services.has(service);
  }
}
