import type { Duplex } from 'node:stream';
import type { KeyValue } from './envelope.js';
import { metadataValues } from './metadata.js';

/**
 * What a server handler knows about its call: the method, the caller's metadata, the deadline and
 * an AbortSignal that fires when the deadline passes, the connection drops or the server closes.
 * The signal is created on first use: most handlers never look at it.
 */
export class CallContext {
  readonly service: string;
  readonly method: string;
  readonly streamId: number;
  readonly metadata: readonly KeyValue[];
  /** Absolute deadline in `Date.now()` milliseconds, when the caller sent a timeout. */
  readonly deadline: number | undefined;
  /** The connection's socket (for peer credentials or addresses). */
  readonly socket: Duplex;
  private controller: AbortController | undefined;
  private reason: unknown;
  private isAborted = false;

  constructor(
    service: string,
    method: string,
    streamId: number,
    metadata: readonly KeyValue[],
    deadline: number | undefined,
    socket: Duplex,
  ) {
    this.service = service;
    this.method = method;
    this.streamId = streamId;
    this.metadata = metadata;
    this.deadline = deadline;
    this.socket = socket;
  }

  /** Aborted with a TtrpcError reason (DEADLINE_EXCEEDED, CANCELLED or closed). */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.isAborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** True once the call was aborted. */
  get aborted(): boolean {
    return this.isAborted;
  }

  /** Every metadata value sent for `key` (case-insensitive). */
  getMetadata(key: string): string[] {
    return metadataValues(this.metadata, key);
  }

  /** @internal Aborts the call's signal once. */
  abort(reason: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
