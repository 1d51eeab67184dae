import { connect } from 'node:net';
import { EVENTS_SERVICE } from '../../proto/index.js';
import { Client } from '../../proto/ttrpc/index.js';
import { stripUnix } from '../bootstrap/address.js';
import { EVENT_TYPE, type EventSink } from '../task/events.js';
import type { Logger } from '../worker/logging.js';
import { encodeMessage } from './codec.js';

/** Metadata key containerd's ttrpc namespace interceptor reads. */
export const NAMESPACE_METADATA_KEY = 'containerd-namespace-ttrpc';

/** Deadline of one Forward call. */
const FORWARD_TIMEOUT_MS = 10_000;

/** Attempts per event before it is logged and dropped (containerd may be restarting). */
const FORWARD_ATTEMPTS = 5;

/**
 * Publishes task events to containerd with `Events/Forward` on TTRPC_ADDRESS, strictly in order
 * (one at a time). The connection is made on first use and remade after containerd restarts.
 */
export class TtrpcEventPublisher implements EventSink {
  private readonly address: string;
  private readonly namespace: string;
  private readonly log: Logger;
  private client: Client | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(ttrpcAddress: string, namespace: string, log: Logger) {
    this.address = stripUnix(ttrpcAddress);
    this.namespace = namespace;
    this.log = log;
  }

  publish(topic: string, event: Record<string, unknown>): void {
    const type = EVENT_TYPE[topic];
    if (!type) throw new Error(`unknown event topic ${topic}`);
    const now = Date.now();
    const envelope = {
      envelope: {
        timestamp: { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1_000_000 },
        namespace: this.namespace,
        topic,
        event: { type_url: type, value: encodeMessage(type, event) },
      },
    };
    const payload = encodeMessage('containerd.services.events.ttrpc.v1.ForwardRequest', envelope);
    this.chain = this.chain.then(() => this.send(topic, payload));
  }

  flush(): Promise<void> {
    return this.chain;
  }

  private async connect(): Promise<Client> {
    if (this.client && !this.client.closed) return this.client;
    const socket = connect(this.address);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    this.client = new Client(socket);
    return this.client;
  }

  private async send(topic: string, payload: Uint8Array): Promise<void> {
    if (!this.address) return;
    for (let attempt = 1; attempt <= FORWARD_ATTEMPTS; attempt++) {
      try {
        const client = await this.connect();
        await client.call(EVENTS_SERVICE, 'Forward', payload, {
          timeoutMs: FORWARD_TIMEOUT_MS,
          metadata: [{ key: NAMESPACE_METADATA_KEY, value: this.namespace }],
        });
        return;
      } catch (err) {
        this.client?.close();
        this.client = undefined;
        if (attempt === FORWARD_ATTEMPTS) {
          this.log.error({ topic, err: (err as Error).message }, 'event dropped');
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  }
}
