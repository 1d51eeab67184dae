import type { Connection } from './connection.js';
import { Flag } from './constants.js';
import type { CallContext } from './context.js';
import { writeDataFrame, writeResponseFrame } from './envelope.js';
import { TtrpcError, TtrpcErrorCode, toRpcStatus } from './errors.js';
import type { MessageQueue } from './queue.js';
import { RawResponse, writeRawResponseFrame } from './raw-response.js';
import type { ServerStream } from './registry.js';
import { OK_STATUS, type RpcStatus, StatusCode } from './status.js';

const EMPTY = new Uint8Array(0);

/** What a {@link ServerCall} needs from the connection that owns it. */
export interface CallOwner {
  readonly conn: Connection;
  callFinished(call: ServerCall): void;
}

/**
 * One call on a server connection, from its Request to its final frame. For streaming methods it
 * is also the {@link ServerStream} handed to the handler. A call answers exactly once: the first of
 * handler result, handler error or deadline wins; later outcomes are dropped.
 */
export class ServerCall implements ServerStream {
  readonly id: number;
  readonly ctx: CallContext;
  readonly streamingClient: boolean;
  readonly streamingServer: boolean;
  /** Receive queue; only streaming methods have one. */
  queue: MessageQueue | undefined;
  /** The client has sent its last message. */
  remoteClosed: boolean;
  timer: NodeJS.Timeout | undefined;
  private readonly owner: CallOwner;
  private done = false;
  private abortReason: unknown;

  constructor(
    owner: CallOwner,
    id: number,
    ctx: CallContext,
    streamingClient: boolean,
    streamingServer: boolean,
  ) {
    this.owner = owner;
    this.id = id;
    this.ctx = ctx;
    this.streamingClient = streamingClient;
    this.streamingServer = streamingServer;
    this.remoteClosed = !streamingClient;
  }

  /** The handler finished with a payload (or nothing), or a {@link RawResponse} to relay. */
  complete(result: unknown): void {
    if (this.done) return;
    if (result instanceof RawResponse && !this.streamingServer) {
      this.done = true;
      try {
        writeRawResponseFrame(this.owner.conn, this.id, result);
      } catch (err) {
        this.writeStatus(toRpcStatus(err));
      }
      this.finish();
      return;
    }
    if (result !== undefined && !(result instanceof Uint8Array)) {
      this.fail(
        new TypeError(`handler of ${this.ctx.service}/${this.ctx.method} returned a non-bytes value`),
      );
      return;
    }
    if (this.streamingServer) {
      this.done = true;
      try {
        writeDataFrame(this.owner.conn, this.id, Flag.RemoteClosed, result);
      } catch (err) {
        this.writeStatus(toRpcStatus(err));
      }
      this.finish();
      return;
    }
    this.respond(OK_STATUS, result ?? EMPTY);
  }

  /** The handler threw or rejected: answer with the error's status. */
  fail(err: unknown): void {
    if (this.done) return;
    const status = toRpcStatus(err);
    this.respond(status.code === StatusCode.OK ? { ...status, code: StatusCode.UNKNOWN } : status, EMPTY);
  }

  /** The deadline passed: abort the handler and answer DEADLINE_EXCEEDED now. */
  expire(): void {
    if (this.done) return;
    const err = new TtrpcError(TtrpcErrorCode.DEADLINE, StatusCode.DEADLINE_EXCEEDED, 'deadline exceeded');
    this.abortReason = err;
    this.respond(toRpcStatus(err), EMPTY);
    this.ctx.abort(err);
  }

  /** Ends the call without answering (connection gone, or the stream was rejected). */
  abort(reason: unknown): void {
    if (this.done) return;
    this.abortReason = reason;
    this.finish();
    this.ctx.abort(reason);
  }

  recv(): Promise<Uint8Array | undefined> {
    return this.queue === undefined ? Promise.resolve(undefined) : this.queue.next();
  }

  send(payload: Uint8Array): Promise<void> {
    if (this.done) {
      return Promise.reject(
        this.abortReason ??
          new TtrpcError(
            TtrpcErrorCode.STREAM_CLOSED,
            StatusCode.FAILED_PRECONDITION,
            'ttrpc: stream finished',
          ),
      );
    }
    if (!this.streamingServer) {
      return Promise.reject(
        new TtrpcError(
          TtrpcErrorCode.STREAM_CLOSED,
          StatusCode.FAILED_PRECONDITION,
          `ttrpc: ${this.ctx.service}/${this.ctx.method} does not stream to the client`,
        ),
      );
    }
    try {
      writeDataFrame(this.owner.conn, this.id, 0, payload);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.owner.conn.waitDrain();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const msg = await this.recv();
      if (msg === undefined) return;
      yield msg;
    }
  }

  /** Writes the final frame, then releases the call (which may let a draining connection close). */
  private respond(status: RpcStatus, payload: Uint8Array): void {
    this.done = true;
    try {
      writeResponseFrame(this.owner.conn, this.id, status, payload);
    } catch (err) {
      // Only an oversized response can fail to encode; the caller still gets an answer.
      this.writeStatus(toRpcStatus(err));
    }
    this.finish();
  }

  private writeStatus(status: RpcStatus): void {
    writeResponseFrame(this.owner.conn, this.id, status, EMPTY);
  }

  private finish(): void {
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.queue?.abort(
      this.abortReason ??
        new TtrpcError(TtrpcErrorCode.STREAM_CLOSED, StatusCode.CANCELLED, 'ttrpc: stream finished'),
    );
    this.owner.callFinished(this);
  }
}
