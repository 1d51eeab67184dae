import type { Duplex } from 'node:stream';
import { Client, type KeyValue, type RawResponse } from '../proto/ttrpc/index.js';
import { ProxyError } from './errors.js';

/** Where a forwarded request goes and with what: the fields of the caller's CallContext. */
export interface ForwardTarget {
  readonly service: string;
  readonly method: string;
  readonly metadata: readonly KeyValue[];
  /** Absolute deadline (ms since the epoch), if the caller set one. */
  readonly deadline: number | undefined;
}

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
  call(to: ForwardTarget, payload: Uint8Array): Promise<RawResponse> {
    // Not an async function: the answer is the client's own promise, not one wrapped around it.
    const open = this.client;
    if (open === undefined || open.closed) return this.callWhenConnected(to, payload);
    try {
      return send(open, to, payload);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // Apart from call, which would otherwise pay for this closure's context on every forward.
  private callWhenConnected(to: ForwardTarget, payload: Uint8Array): Promise<RawResponse> {
    return this.connect().then((client) => send(client, to, payload));
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

// The request as the caller made it: its metadata and what is left of its deadline.
function send(client: Client, to: ForwardTarget, payload: Uint8Array): Promise<RawResponse> {
  const options: { metadata: readonly KeyValue[]; timeoutMs?: number } = { metadata: to.metadata };
  if (to.deadline !== undefined) options.timeoutMs = Math.max(1, to.deadline - Date.now());
  return client.callRaw(to.service, to.method, payload, options);
}
