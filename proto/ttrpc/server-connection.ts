import type { Duplex } from 'node:stream';
import { Connection, type ConnectionHandler } from './connection.js';
import { Flag, MAX_MESSAGE_LENGTH, MessageType } from './constants.js';
import { CallContext } from './context.js';
import { writeResponseFrame } from './envelope.js';
import { decodeRequest } from './envelope-decode.js';
import { statusError, type TtrpcError } from './errors.js';
import { MessageQueue } from './queue.js';
import type { MethodDefinition, ServiceRegistry, StreamHandler, UnaryHandler } from './registry.js';
import { type CallOwner, ServerCall } from './server-call.js';
import { StatusCode } from './status.js';

const EMPTY = new Uint8Array(0);

/** setTimeout's largest delay; longer timeouts are treated as no timeout. */
const MAX_TIMER_MS = 0x7fff_ffff;

/** Notified when a server connection is gone. */
export interface ConnectionOwner {
  connectionClosed(conn: ServerConnection, error: TtrpcError): void;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function onDeadline(call: ServerCall): void {
  call.timer = undefined;
  call.expire();
}

/**
 * The server side of one connection: validates every frame, dispatches Requests to handlers
 * concurrently, routes Data to streams and answers every rejected frame with a status on its
 * stream id, keeping the connection up (only the transport failing closes it).
 */
export class ServerConnection implements ConnectionHandler, CallOwner {
  readonly conn: Connection;
  private readonly registry: ServiceRegistry;
  private readonly owner: ConnectionOwner;
  private readonly calls = new Map<number, ServerCall>();
  private lastStreamId = 0;
  private draining = false;

  constructor(socket: Duplex, registry: ServiceRegistry, owner: ConnectionOwner) {
    this.registry = registry;
    this.owner = owner;
    this.conn = new Connection(socket, this);
  }

  /** Calls in flight. */
  get activeCalls(): number {
    return this.calls.size;
  }

  /** Graceful shutdown: refuse new calls, close once the in-flight ones have answered. */
  drain(): void {
    this.draining = true;
    if (this.calls.size === 0) this.conn.end();
  }

  /** Forced close: in-flight calls are aborted, their answers never sent. */
  destroy(): void {
    this.conn.destroy();
  }

  onFrame(streamId: number, type: number, flags: number, body: Buffer): void {
    if ((streamId & 1) === 0) {
      this.reject(
        streamId,
        StatusCode.INVALID_ARGUMENT,
        `stream id ${streamId} is even: client streams use odd ids`,
      );
      return;
    }
    switch (type) {
      case MessageType.Request:
        this.onRequest(streamId, flags, body);
        return;
      case MessageType.Data:
        this.onData(streamId, flags, body);
        return;
      case MessageType.Response:
        this.reject(streamId, StatusCode.INVALID_ARGUMENT, 'a client may not send response messages');
        return;
      default:
        this.reject(streamId, StatusCode.INVALID_ARGUMENT, `unknown message type 0x${type.toString(16)}`);
    }
  }

  onOversized(streamId: number, _type: number, _flags: number, length: number): void {
    this.reject(
      streamId,
      StatusCode.RESOURCE_EXHAUSTED,
      `message length ${length} exceeds maximum message size of ${MAX_MESSAGE_LENGTH}`,
    );
  }

  onClose(error: TtrpcError): void {
    for (const call of [...this.calls.values()]) call.abort(error);
    this.calls.clear();
    this.owner.connectionClosed(this, error);
  }

  callFinished(call: ServerCall): void {
    this.calls.delete(call.id);
    if (this.draining && this.calls.size === 0) this.conn.end();
  }

  private reject(streamId: number, code: number, message: string): void {
    this.calls.get(streamId)?.abort(statusError(code, message));
    writeResponseFrame(this.conn, streamId, { code, message, details: [] }, EMPTY);
  }

  private onRequest(id: number, flags: number, body: Buffer): void {
    if (id <= this.lastStreamId) {
      this.reject(
        id,
        StatusCode.INVALID_ARGUMENT,
        `stream id ${id} reused: ids must increase (last ${this.lastStreamId})`,
      );
      return;
    }
    this.lastStreamId = id;
    if (this.draining) {
      this.reject(id, StatusCode.UNAVAILABLE, 'ttrpc: server shutting down');
      return;
    }
    let req: ReturnType<typeof decodeRequest>;
    try {
      req = decodeRequest(body);
    } catch (err) {
      this.reject(id, StatusCode.INVALID_ARGUMENT, `invalid request: ${(err as Error).message}`);
      return;
    }
    const def: MethodDefinition | undefined = this.registry.resolve(req.service, req.method);
    if (def === undefined) {
      this.reject(
        id,
        StatusCode.UNIMPLEMENTED,
        this.registry.hasService(req.service)
          ? `method ${req.service}/${req.method} not implemented`
          : `service ${req.service} not implemented`,
      );
      return;
    }
    if (req.timeoutNano < 0) {
      this.reject(id, StatusCode.DEADLINE_EXCEEDED, 'deadline exceeded');
      return;
    }
    const timeoutMs = req.timeoutNano / 1e6;
    const deadline = req.timeoutNano > 0 ? Date.now() + timeoutMs : undefined;
    const ctx = new CallContext(req.service, req.method, id, req.metadata, deadline, this.conn.socket);
    const unary = typeof def === 'function';
    const call = new ServerCall(this, id, ctx, !unary && def.streamingClient, !unary && def.streamingServer);
    this.calls.set(id, call);
    if (deadline !== undefined && timeoutMs <= MAX_TIMER_MS) {
      call.timer = setTimeout(onDeadline, Math.ceil(timeoutMs), call);
    }
    if (unary) {
      run(call, def, req.payload, ctx);
      return;
    }
    const queue = new MessageQueue(this.conn);
    call.queue = queue;
    if (!def.streamingClient || req.payload.length > 0) queue.push(req.payload);
    if (!def.streamingClient || (flags & Flag.RemoteClosed) !== 0) {
      call.remoteClosed = true;
      queue.end();
    }
    runStream(call, def.handler, ctx);
  }

  private onData(id: number, flags: number, body: Buffer): void {
    const call = this.calls.get(id);
    if (call === undefined) {
      this.reject(id, StatusCode.INVALID_ARGUMENT, `data message on stream ${id}, which is not active`);
      return;
    }
    if (!call.streamingClient) {
      this.reject(
        id,
        StatusCode.INVALID_ARGUMENT,
        `data message on stream ${id}, whose method takes no client stream`,
      );
      return;
    }
    if (call.remoteClosed) {
      this.reject(id, StatusCode.INVALID_ARGUMENT, `data message on stream ${id} after the client closed it`);
      return;
    }
    if ((flags & Flag.NoData) === 0) call.queue?.push(body);
    if ((flags & Flag.RemoteClosed) !== 0) {
      call.remoteClosed = true;
      call.queue?.end();
    }
  }
}

function run(call: ServerCall, handler: UnaryHandler, payload: Uint8Array, ctx: CallContext): void {
  try {
    settle(call, handler(payload, ctx));
  } catch (err) {
    call.fail(err);
  }
}

function runStream(call: ServerCall, handler: StreamHandler, ctx: CallContext): void {
  try {
    settle(call, handler(call, ctx));
  } catch (err) {
    call.fail(err);
  }
}

function settle(call: ServerCall, result: unknown): void {
  if (isThenable(result)) {
    result.then(
      (v) => call.complete(v),
      (err: unknown) => call.fail(err),
    );
  } else {
    call.complete(result);
  }
}
