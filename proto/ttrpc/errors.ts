import { type AnyMessage, type RpcStatus, StatusCode, statusCodeName } from './status.js';

/** Stable `code` strings of {@link TtrpcError}; match on these, never on messages. */
export const TtrpcErrorCode = {
  /** The peer answered with a non-OK status; `grpcCode` and `message` are the peer's. */
  STATUS: 'ERR_TTRPC_STATUS',
  /** The connection is closed (dropped by the peer, by an I/O error or by `close()`). */
  CLOSED: 'ERR_TTRPC_CLOSED',
  /** The server is shutting down and takes no new calls. */
  SHUTDOWN: 'ERR_TTRPC_SHUTDOWN',
  /** The call's deadline passed before its response arrived. */
  DEADLINE: 'ERR_TTRPC_DEADLINE',
  /** The call was cancelled through its AbortSignal. */
  CANCELLED: 'ERR_TTRPC_CANCELLED',
  /** A message is larger than {@link MAX_MESSAGE_LENGTH}. */
  OVERSIZED: 'ERR_TTRPC_OVERSIZED',
  /** The peer broke the framing protocol (unexpected message type, truncated frame, ...). */
  PROTOCOL: 'ERR_TTRPC_PROTOCOL',
  /** An envelope (`ttrpc.Request` / `ttrpc.Response`) is not valid protobuf. */
  DECODE: 'ERR_TTRPC_DECODE',
  /** Sending on a stream that is already closed in that direction. */
  STREAM_CLOSED: 'ERR_TTRPC_STREAM_CLOSED',
  /** The client used up the 32-bit stream id space; open a new connection. */
  STREAM_IDS_EXHAUSTED: 'ERR_TTRPC_STREAM_IDS_EXHAUSTED',
} as const;

/** One of the stable {@link TtrpcErrorCode} strings. */
export type TtrpcErrorCode = (typeof TtrpcErrorCode)[keyof typeof TtrpcErrorCode];

/** Options of the {@link TtrpcError} constructor. */
export interface TtrpcErrorOptions {
  readonly cause?: unknown;
  readonly details?: readonly AnyMessage[];
}

/**
 * The one error class of Ward's ttrpc layer. `code` is a stable string naming what happened
 * locally; `grpcCode` is the gRPC status code the error carries on the wire (a peer's status
 * for `ERR_TTRPC_STATUS`, the code a server answers with otherwise).
 */
export class TtrpcError extends Error {
  override readonly name = 'TtrpcError';
  readonly code: TtrpcErrorCode;
  readonly grpcCode: number;
  readonly details: readonly AnyMessage[];

  constructor(code: TtrpcErrorCode, grpcCode: number, message: string, options: TtrpcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.grpcCode = grpcCode;
    this.details = options.details ?? [];
  }

  /** The gRPC status code's name, e.g. `NOT_FOUND`. */
  get grpcCodeName(): string {
    return statusCodeName(this.grpcCode);
  }
}

/**
 * An error that a handler throws to answer with a given status (and that a client receives
 * when the peer answered with one).
 */
export function statusError(grpcCode: number, message: string, details?: readonly AnyMessage[]): TtrpcError {
  return new TtrpcError(TtrpcErrorCode.STATUS, grpcCode, message, details === undefined ? {} : { details });
}

/** The error every pending call fails with when its connection closes. */
export function closedError(cause?: unknown): TtrpcError {
  return new TtrpcError(TtrpcErrorCode.CLOSED, StatusCode.UNAVAILABLE, 'ttrpc: closed', { cause });
}

/** The error new calls get from a server that is shutting down. */
export function shutdownError(): TtrpcError {
  return new TtrpcError(TtrpcErrorCode.SHUTDOWN, StatusCode.UNAVAILABLE, 'ttrpc: server shutting down');
}

/** True if `err` reports a closed connection. */
export function isClosedError(err: unknown): boolean {
  return err instanceof TtrpcError && err.code === TtrpcErrorCode.CLOSED;
}

/**
 * Converts whatever a handler threw into the status sent on the wire: the only place where the
 * ttrpc layer maps errors to statuses. A {@link TtrpcError} keeps its code, message and details;
 * anything else becomes UNKNOWN with its message (as Go's ttrpc does).
 */
export function toRpcStatus(err: unknown): RpcStatus {
  if (err instanceof TtrpcError) {
    return { code: err.grpcCode, message: err.message, details: err.details };
  }
  if (err instanceof Error) return { code: StatusCode.UNKNOWN, message: err.message, details: [] };
  return { code: StatusCode.UNKNOWN, message: String(err), details: [] };
}

/**
 * The error a client raises for a non-OK status received from the peer. It carries no stack:
 * the failure happened in the peer, the local frames (a socket read) say nothing, and capturing
 * them costs more than the rest of the call's handling (a proxy relays such statuses all day).
 */
export function fromRpcStatus(status: RpcStatus): TtrpcError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return statusError(status.code, status.message, status.details);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
