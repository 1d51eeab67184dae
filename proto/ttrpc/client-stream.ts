import type { Connection } from './connection.js';
import { Flag, MessageType } from './constants.js';
import { writeDataFrame } from './envelope.js';
import { decodeResponse } from './envelope-decode.js';
import { fromRpcStatus, TtrpcError, TtrpcErrorCode } from './errors.js';
import { MessageQueue } from './queue.js';
import { StatusCode } from './status.js';

/** Which sides of a call stream (what the method's proto declaration says). */
export interface StreamDescriptor {
  readonly streamingClient: boolean;
  readonly streamingServer: boolean;
}

/** A call in flight on a client: told about frames on its stream and about failures. */
export interface ClientCallState {
  onFrame(type: number, flags: number, body: Buffer): void;
  fail(err: TtrpcError): void;
}

/** What a {@link ClientStream} needs from its client. */
export interface StreamOwner {
  readonly conn: Connection;
  release(id: number): void;
}

function protocolError(message: string, cause?: unknown): TtrpcError {
  return new TtrpcError(TtrpcErrorCode.PROTOCOL, StatusCode.INTERNAL, message, { cause });
}

/**
 * The client side of a streaming call. `send`/`closeSend` write the client's messages (for
 * client-streaming methods); `recv` yields the server's messages and then undefined, or throws the
 * call's error status. For a client-streaming-only method, `recv` after `closeSend` yields the
 * response payload.
 */
export class ClientStream implements ClientCallState {
  readonly streamId: number;
  readonly descriptor: StreamDescriptor;
  private readonly owner: StreamOwner;
  private readonly queue: MessageQueue;
  private localClosed: boolean;
  private finished = false;
  /** @internal */
  timer: NodeJS.Timeout | undefined;
  /** @internal */
  cleanup: (() => void) | undefined;

  constructor(owner: StreamOwner, streamId: number, descriptor: StreamDescriptor) {
    this.owner = owner;
    this.streamId = streamId;
    this.descriptor = descriptor;
    this.queue = new MessageQueue(owner.conn);
    this.localClosed = !descriptor.streamingClient;
  }

  /** Sends one message (client-streaming methods only). */
  send(payload: Uint8Array): Promise<void> {
    const closed = this.sendClosedError();
    if (closed !== undefined) return Promise.reject(closed);
    try {
      writeDataFrame(this.owner.conn, this.streamId, 0, payload);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.owner.conn.waitDrain();
  }

  /** Tells the server no more messages follow. */
  closeSend(): Promise<void> {
    if (this.localClosed || this.finished) return Promise.resolve();
    this.localClosed = true;
    writeDataFrame(this.owner.conn, this.streamId, Flag.RemoteClosed, undefined);
    return this.owner.conn.waitDrain();
  }

  /** The next message from the server, or undefined at the end of the stream. */
  recv(): Promise<Uint8Array | undefined> {
    return this.queue.next();
  }

  /** Closes the sending side and returns the response of a client-streaming method. */
  async closeAndRecv(): Promise<Uint8Array> {
    await this.closeSend();
    return (await this.recv()) ?? new Uint8Array(0);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const msg = await this.recv();
      if (msg === undefined) return;
      yield msg;
    }
  }

  /** Abandons the call locally: recv() fails with CANCELLED; later frames are ignored. */
  cancel(): void {
    if (this.finished) return;
    const err = new TtrpcError(TtrpcErrorCode.CANCELLED, StatusCode.CANCELLED, 'ttrpc: stream cancelled');
    this.queue.abort(err);
    this.end(err);
  }

  onFrame(type: number, flags: number, body: Buffer): void {
    if (type === MessageType.Data) {
      if (!this.descriptor.streamingServer) {
        this.fail(
          protocolError(`ttrpc: data message on stream ${this.streamId}, whose method returns no stream`),
        );
        return;
      }
      if ((flags & Flag.NoData) === 0) this.queue.push(body);
      if ((flags & Flag.RemoteClosed) !== 0) this.end(undefined);
      return;
    }
    if (type === MessageType.Response) {
      let res: ReturnType<typeof decodeResponse>;
      try {
        res = decodeResponse(body);
      } catch (err) {
        this.fail(protocolError(`ttrpc: invalid response: ${(err as Error).message}`, err));
        return;
      }
      if (res.status !== undefined && res.status.code !== StatusCode.OK) {
        this.fail(fromRpcStatus(res.status));
        return;
      }
      if (res.payload.length > 0 || !this.descriptor.streamingServer) this.queue.push(res.payload);
      this.end(undefined);
      return;
    }
    this.fail(
      protocolError(`ttrpc: unexpected message type 0x${type.toString(16)} on stream ${this.streamId}`),
    );
  }

  /** Ends the stream with an error; messages already received stay readable before it. */
  fail(err: TtrpcError): void {
    this.end(err);
  }

  private end(err: TtrpcError | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.localClosed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.cleanup?.();
    this.queue.end(err);
    this.owner.release(this.streamId);
  }

  private sendClosedError(): TtrpcError | undefined {
    if (!this.descriptor.streamingClient) {
      return new TtrpcError(
        TtrpcErrorCode.STREAM_CLOSED,
        StatusCode.FAILED_PRECONDITION,
        'ttrpc: method takes no client stream',
      );
    }
    if (this.localClosed || this.finished) {
      return new TtrpcError(
        TtrpcErrorCode.STREAM_CLOSED,
        StatusCode.FAILED_PRECONDITION,
        'ttrpc: stream closed for sending',
      );
    }
    return undefined;
  }
}
