import type { Duplex } from 'node:stream';
import type { ChunkSink } from './envelope.js';
import { closedError, type TtrpcError } from './errors.js';
import { FrameReader, type FrameSink } from './frame-reader.js';

/** What a {@link Connection} reports to its owner (the client or a server connection). */
export interface ConnectionHandler extends FrameSink {
  /** The connection is closed; `error` says why when it was not a clean close. Called once. */
  onClose(error: TtrpcError): void;
}

/**
 * One ttrpc byte stream: feeds received chunks to a {@link FrameReader} and batches writes.
 * Frames written in the same tick after the first are corked and leave in one writev, which is
 * what keeps many concurrent calls cheap. Reading can be paused by streams whose consumers fall behind.
 */
export class Connection implements ChunkSink {
  readonly socket: Duplex;
  private readonly handler: ConnectionHandler;
  private readonly reader: FrameReader;
  private corked = false;
  /** A chunk was written in the current tick (see write). */
  private wroteThisTick = false;
  private ending = false;
  private pauses = 0;
  private closedWith: TtrpcError | undefined;
  private lastError: Error | undefined;
  private drainWaiters: (() => void)[] = [];

  constructor(socket: Duplex, handler: ConnectionHandler) {
    this.socket = socket;
    this.handler = handler;
    this.reader = new FrameReader(handler);
    socket.on('data', (chunk: Buffer) => {
      if (this.closedWith === undefined) this.reader.push(chunk);
    });
    socket.on('end', () => {
      const truncated = this.reader.end();
      if (truncated !== undefined) this.lastError = truncated;
      // ttrpc has no half-close: a peer that stops sending is gone.
      this.destroy();
    });
    socket.on('error', (err: Error) => {
      this.lastError ??= err;
    });
    socket.on('close', () => this.finish());
    socket.on('drain', () => this.flushDrainWaiters());
    if (socket.destroyed) queueMicrotask(() => this.finish());
  }

  /** True once the connection is closed or closing. */
  get closed(): boolean {
    return this.closedWith !== undefined || this.socket.destroyed;
  }

  /** The error pending calls failed with, once closed. */
  get closeError(): TtrpcError | undefined {
    return this.closedWith;
  }

  /**
   * Sends a chunk. The first of a tick goes out at once; later ones of the same tick are corked
   * and leave together in one writev when the tick ends. Writes after end() or close are dropped.
   */
  write(chunk: Uint8Array): void {
    if (this.ending || this.closedWith !== undefined || this.socket.destroyed) return;
    if (this.wroteThisTick) {
      // A server connection mostly writes one answer per tick: corking it would only add the
      // stream's buffering to the one write.
      if (!this.corked) {
        this.corked = true;
        this.socket.cork();
      }
    } else {
      this.wroteThisTick = true;
      process.nextTick(endTick, this);
    }
    this.socket.write(chunk);
  }

  /** Resolves when the socket's write buffer has drained (at once if it has room). */
  waitDrain(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Stops reading from the socket until every pause has been released. */
  pauseReading(): void {
    if (this.pauses++ === 0) this.socket.pause();
  }

  /** Releases one {@link pauseReading}. */
  resumeReading(): void {
    if (this.pauses > 0 && --this.pauses === 0 && !this.closed) this.socket.resume();
  }

  /** Flushes what is queued, then closes the socket gracefully. */
  end(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.uncork();
    this.socket.end();
    // A peer that never reads must not keep the socket alive forever after end().
    this.socket.once('finish', () => this.socket.destroy());
  }

  /** Closes the socket at once; pending data is dropped. */
  destroy(cause?: Error): void {
    if (cause !== undefined) this.lastError ??= cause;
    this.socket.destroy();
  }

  /** @internal The tick of the first write ended: later writes start a new batch. */
  endTick(): void {
    this.wroteThisTick = false;
    this.uncork();
  }

  /** @internal Releases the cork set by {@link write}. */
  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  private flushDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  private finish(): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = closedError(this.lastError);
    this.flushDrainWaiters();
    this.handler.onClose(this.closedWith);
  }
}

function endTick(conn: Connection): void {
  conn.endTick();
}
