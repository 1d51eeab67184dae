import type { Duplex } from 'node:stream';
import { Client, type KeyValue, type RawResponse } from '../proto/ttrpc/index.js';
import { ProxyError } from './errors.js';

/** Opens a fresh connection to the agent. */
export type Dialer = () => Promise<Duplex>;

/**
 * The proxy's one connection to the agent, opened on first use and re-opened after it drops.
 * Every allowed request goes out over it with its original bytes, metadata and remaining
 * deadline; the agent's Response message (payload or status) comes back as received, to be
 * relayed byte for byte.
 */
export class Forwarder {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private closed = false;

  /** @param dial how to reach the agent (any Ward transport). */
  constructor(private readonly dial: Dialer) {}

  /**
   * Sends one request. Must be called in log order: the write reaches the socket before the
   * returned promise first yields only when a connection is already open, so callers issue
   * forwards in order and await them afterwards.
   */
  call(
    service: string,
    method: string,
    payload: Uint8Array,
    metadata: readonly KeyValue[],
    deadline: number | undefined,
  ): Promise<RawResponse> {
    // Not an async function: the answer is the client's own promise, not one wrapped around it.
    const open = this.client;
    if (open === undefined || open.closed) {
      return this.connect().then((client) => send(client, service, method, payload, metadata, deadline));
    }
    try {
      return send(open, service, method, payload, metadata, deadline);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private connect(): Promise<Client> {
    if (this.closed) return Promise.reject(new ProxyError('ERR_PROXY_CLOSED', 'forwarder is closed'));
    this.connecting ??= this.dial().then(
      (socket) => {
        this.connecting = undefined;
        const client = new Client(socket);
        this.client = client;
        return client;
      },
      (err: unknown) => {
        this.connecting = undefined;
        throw new ProxyError('ERR_PROXY_UPSTREAM', `cannot reach the agent: ${(err as Error).message}`, {
          cause: err,
        });
      },
    );
    return this.connecting;
  }

  /** Closes the agent connection; pending calls fail with the ttrpc 'closed' error. */
  close(): void {
    this.closed = true;
    this.client?.close();
  }
}

function send(
  client: Client,
  service: string,
  method: string,
  payload: Uint8Array,
  metadata: readonly KeyValue[],
  deadline: number | undefined,
): Promise<RawResponse> {
  const options: { metadata: readonly KeyValue[]; timeoutMs?: number } = { metadata };
  if (deadline !== undefined) options.timeoutMs = Math.max(1, deadline - Date.now());
  return client.callRaw(service, method, payload, options);
}
