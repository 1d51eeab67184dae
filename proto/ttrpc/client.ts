import type { Duplex } from 'node:stream';
import {
  type ClientCallState,
  ClientStream,
  type StreamDescriptor,
  type StreamOwner,
} from './client-stream.js';
import { Connection, type ConnectionHandler } from './connection.js';
import { Flag, MAX_MESSAGE_LENGTH, MAX_STREAM_ID, MessageType } from './constants.js';
import { type KeyValue, writeRequestFrame } from './envelope.js';
import { decodeResponse } from './envelope-decode.js';
import { closedError, fromRpcStatus, TtrpcError, TtrpcErrorCode } from './errors.js';
import { type RawResponse, scanResponse } from './raw-response.js';
import { StatusCode } from './status.js';

/** Per-call options. */
export interface CallOptions {
  /** Sent as `ttrpc.Request.metadata`. */
  readonly metadata?: readonly KeyValue[];
  /** Relative timeout: sent as `timeout_nano`; the call fails with DEADLINE_EXCEEDED locally when it passes. */
  readonly timeoutMs?: number;
  /** Cancels the call locally (ttrpc has no cancel frame; a late response is ignored). */
  readonly signal?: AbortSignal;
}

/** Options for opening a stream: call options plus the first request message. */
export interface StreamOptions extends CallOptions {
  /** The request message sent inside the Request frame (server-streaming methods). */
  readonly payload?: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const NO_METADATA: readonly KeyValue[] = Object.freeze([]);

function deadlineError(): TtrpcError {
  return new TtrpcError(TtrpcErrorCode.DEADLINE, StatusCode.DEADLINE_EXCEEDED, 'ttrpc: deadline exceeded');
}

function cancelledError(reason: unknown): TtrpcError {
  return new TtrpcError(TtrpcErrorCode.CANCELLED, StatusCode.CANCELLED, 'ttrpc: call cancelled', {
    cause: reason,
  });
}

function protocolError(message: string, cause?: unknown): TtrpcError {
  return new TtrpcError(TtrpcErrorCode.PROTOCOL, StatusCode.INTERNAL, message, { cause });
}

/** A unary call waiting for its Response. */
class UnaryCall implements ClientCallState {
  timer: NodeJS.Timeout | undefined;
  cleanup: (() => void) | undefined;
  constructor(
    private readonly client: Client,
    readonly id: number,
    private readonly resolve: (answer: Uint8Array | RawResponse) => void,
    private readonly reject: (err: TtrpcError) => void,
    /** Resolve with the Response message as received instead of its decoded payload. */
    private readonly raw: boolean,
  ) {}

  onFrame(type: number, _flags: number, body: Buffer): void {
    if (type !== MessageType.Response) {
      this.fail(
        protocolError(`ttrpc: unexpected message type 0x${type.toString(16)} for unary call ${this.id}`),
      );
      return;
    }
    let answer: Uint8Array | RawResponse;
    let status: TtrpcError | undefined;
    try {
      if (this.raw) answer = scanResponse(body);
      else {
        const res = decodeResponse(body);
        if (res.status !== undefined && res.status.code !== StatusCode.OK) status = fromRpcStatus(res.status);
        answer = res.payload;
      }
    } catch (err) {
      this.fail(protocolError(`ttrpc: invalid response: ${(err as Error).message}`, err));
      return;
    }
    this.settle();
    if (status !== undefined) this.reject(status);
    else this.resolve(answer);
  }

  fail(err: TtrpcError): void {
    this.settle();
    this.reject(err);
  }

  private settle(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.cleanup?.();
    this.client.release(this.id);
  }
}

function onCallTimeout(call: ClientCallState): void {
  call.fail(deadlineError());
}

/**
 * A ttrpc client over one connected stream (see the transports for `connect(address)`).
 * Calls are multiplexed on odd stream ids and answered in any order. When the connection drops,
 * every pending call fails at once with ERR_TTRPC_CLOSED.
 */
export class Client implements ConnectionHandler, StreamOwner {
  readonly conn: Connection;
  private readonly calls = new Map<number, ClientCallState>();
  private nextId = 1;
  private closeListeners: ((err: TtrpcError) => void)[] = [];

  constructor(socket: Duplex) {
    this.conn = new Connection(socket, this);
  }

  /** True once the connection is closed. */
  get closed(): boolean {
    return this.conn.closed;
  }

  /** Calls and streams in flight. */
  get pendingCalls(): number {
    return this.calls.size;
  }

  /** Registers a listener for the connection closing (called once, at once if already closed). */
  addCloseListener(listener: (err: TtrpcError) => void): void {
    const err = this.conn.closeError;
    if (err !== undefined) queueMicrotask(() => listener(err));
    else this.closeListeners.push(listener);
  }

  /** A unary call: resolves with the response payload, rejects with a {@link TtrpcError}. */
  call(service: string, method: string, payload: Uint8Array, options?: CallOptions): Promise<Uint8Array> {
    // The raw flag decides which of the two the call resolves with.
    return this.unary(service, method, payload, options, false) as Promise<Uint8Array>;
  }

  /**
   * A unary call answered with the Response message as received, error statuses included
   * (for relaying it unchanged); rejects only when no well-formed answer came.
   */
  callRaw(service: string, method: string, payload: Uint8Array, options?: CallOptions): Promise<RawResponse> {
    return this.unary(service, method, payload, options, true) as Promise<RawResponse>;
  }

  private unary(
    service: string,
    method: string,
    payload: Uint8Array,
    options: CallOptions | undefined,
    raw: boolean,
  ): Promise<Uint8Array | RawResponse> {
    return new Promise((resolve, reject) => {
      const pre = this.precheck(options);
      if (pre !== undefined) {
        reject(pre);
        return;
      }
      const id = this.nextId;
      this.nextId += 2;
      const call = new UnaryCall(this, id, resolve, reject, raw);
      try {
        writeRequestFrame(this.conn, id, 0, {
          service,
          method,
          payload,
          timeoutNano: timeoutNano(options),
          metadata: options?.metadata ?? NO_METADATA,
        });
      } catch (err) {
        reject(err);
        return;
      }
      this.track(call, id, options);
    });
  }

  /** Opens a streaming call; see {@link ClientStream}. Throws if the client is closed. */
  stream(
    service: string,
    method: string,
    descriptor: StreamDescriptor,
    options?: StreamOptions,
  ): ClientStream {
    const pre = this.precheck(options);
    if (pre !== undefined) throw pre;
    const id = this.nextId;
    this.nextId += 2;
    const stream = new ClientStream(this, id, descriptor);
    writeRequestFrame(this.conn, id, descriptor.streamingClient ? Flag.RemoteOpen : Flag.RemoteClosed, {
      service,
      method,
      payload: options?.payload ?? EMPTY,
      timeoutNano: timeoutNano(options),
      metadata: options?.metadata ?? NO_METADATA,
    });
    this.track(stream, id, options);
    return stream;
  }

  /** Closes the connection; pending calls fail with ERR_TTRPC_CLOSED. */
  close(): void {
    this.conn.destroy();
  }

  /** @internal */
  release(id: number): void {
    this.calls.delete(id);
  }

  onFrame(streamId: number, type: number, flags: number, body: Buffer): void {
    // Frames for unknown streams are late answers to calls that already timed out or were cancelled.
    this.calls.get(streamId)?.onFrame(type, flags, body);
  }

  onOversized(streamId: number, _type: number, _flags: number, length: number): void {
    this.calls
      .get(streamId)
      ?.fail(
        new TtrpcError(
          TtrpcErrorCode.OVERSIZED,
          StatusCode.RESOURCE_EXHAUSTED,
          `received message length ${length} exceeds maximum message size of ${MAX_MESSAGE_LENGTH}`,
        ),
      );
  }

  onClose(error: TtrpcError): void {
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const c of calls) c.fail(error);
    const listeners = this.closeListeners;
    this.closeListeners = [];
    for (const l of listeners) l(error);
  }

  private precheck(options: CallOptions | undefined): TtrpcError | undefined {
    if (this.conn.closed) return this.conn.closeError ?? closedError();
    if (this.nextId > MAX_STREAM_ID) {
      return new TtrpcError(
        TtrpcErrorCode.STREAM_IDS_EXHAUSTED,
        StatusCode.RESOURCE_EXHAUSTED,
        'ttrpc: stream ids exhausted on this connection',
      );
    }
    if (options?.signal?.aborted) return cancelledError(options.signal.reason);
    if (options?.timeoutMs !== undefined && !(options.timeoutMs > 0)) return deadlineError();
    return undefined;
  }

  private track(
    call: ClientCallState & { timer: NodeJS.Timeout | undefined; cleanup: (() => void) | undefined },
    id: number,
    options: CallOptions | undefined,
  ): void {
    this.calls.set(id, call);
    if (options === undefined) return;
    if (options.timeoutMs !== undefined && options.timeoutMs <= 0x7fff_ffff) {
      call.timer = setTimeout(onCallTimeout, options.timeoutMs, call);
    }
    const signal = options.signal;
    if (signal !== undefined) {
      const onAbort = (): void => call.fail(cancelledError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      call.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
  }
}

function timeoutNano(options: CallOptions | undefined): number {
  const ms = options?.timeoutMs;
  return ms === undefined ? 0 : Math.max(1, Math.round(ms * 1e6));
}
