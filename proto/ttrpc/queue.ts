import { STREAM_RECV_HIGH_WATER } from './constants.js';

/** Callbacks a {@link MessageQueue} uses to apply back-pressure to its connection. */
export interface Backpressure {
  pauseReading(): void;
  resumeReading(): void;
}

interface Waiter {
  resolve(value: Uint8Array | undefined): void;
  reject(err: unknown): void;
}

/**
 * The receive side of one stream: messages pushed by the connection, taken by the consumer.
 * When more than {@link STREAM_RECV_HIGH_WATER} messages wait, the connection stops reading
 * until the consumer catches up (ttrpc has no flow control, so this is the only brake).
 */
export class MessageQueue {
  private readonly items: Uint8Array[] = [];
  private waiter: Waiter | undefined;
  private ended = false;
  private error: unknown;
  private holdsPause = false;
  private readonly bp: Backpressure;

  constructor(bp: Backpressure) {
    this.bp = bp;
  }

  /** True once end() was called (messages may still be queued). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Adds a received message. Ignored after end(). */
  push(msg: Uint8Array): void {
    if (this.ended) return;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w.resolve(msg);
      return;
    }
    this.items.push(msg);
    if (!this.holdsPause && this.items.length >= STREAM_RECV_HIGH_WATER) {
      this.holdsPause = true;
      this.bp.pauseReading();
    }
  }

  /** Ends the queue: queued messages remain readable, then `error` is thrown (or the end reported). */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      if (error === undefined) w.resolve(undefined);
      else w.reject(error);
    }
  }

  /** Ends the queue and drops queued messages (the stream was aborted). */
  abort(error: unknown): void {
    this.items.length = 0;
    this.release();
    this.end(error);
  }

  /** The next message, or undefined at the end; rejects with the end error if there was one. */
  next(): Promise<Uint8Array | undefined> {
    if (this.items.length > 0) {
      const msg = this.items.shift()!;
      if (this.items.length === 0) this.release();
      return Promise.resolve(msg);
    }
    if (this.ended) return this.error === undefined ? Promise.resolve(undefined) : Promise.reject(this.error);
    if (this.waiter !== undefined) return Promise.reject(new Error('ttrpc: concurrent recv() on one stream'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private release(): void {
    if (this.holdsPause) {
      this.holdsPause = false;
      this.bp.resumeReading();
    }
  }
}
