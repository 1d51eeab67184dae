import { HEADER_LENGTH, INLINE_PAYLOAD_MAX, MAX_MESSAGE_LENGTH, MessageType } from './constants.js';
import { TtrpcError, TtrpcErrorCode } from './errors.js';
import { writeHeader } from './header.js';
import { type AnyMessage, OK_STATUS, type RpcStatus, StatusCode } from './status.js';
import { int32Size, int64Size, varintSize, writeInt32, writeInt64, writeVarint } from './wire.js';

/**
 * The ttrpc envelope, hand-coded on the hot path:
 *   ttrpc.Request  { string service = 1; string method = 2; bytes payload = 3;
 *                    int64 timeout_nano = 4; repeated KeyValue metadata = 5; }
 *   ttrpc.KeyValue { string key = 1; string value = 2; }
 *   ttrpc.Response { google.rpc.Status status = 1; bytes payload = 2; }
 *   google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
 *   google.protobuf.Any { string type_url = 1; bytes value = 2; }
 * Fields are written in field-number order and default values are omitted, as Go's encoder does.
 * Decoding lives in envelope-decode.ts.
 */

/** One metadata entry (`ttrpc.KeyValue`). */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

/** A decoded `ttrpc.Request`. */
export interface RequestEnvelope {
  readonly service: string;
  readonly method: string;
  readonly payload: Uint8Array;
  /** Relative timeout in nanoseconds; 0 means none. */
  readonly timeoutNano: number;
  readonly metadata: readonly KeyValue[];
}

/** A decoded `ttrpc.Response`; `status` is undefined when the field is absent (meaning OK). */
export interface ResponseEnvelope {
  readonly status: RpcStatus | undefined;
  readonly payload: Uint8Array;
}

/** Where frame encoders put their chunks (a connection's batched writer). */
export interface ChunkSink {
  write(chunk: Uint8Array): void;
}

function fieldSize(len: number): number {
  return len === 0 ? 0 : 1 + varintSize(len) + len;
}

function oversized(what: string, length: number): TtrpcError {
  return new TtrpcError(
    TtrpcErrorCode.OVERSIZED,
    StatusCode.RESOURCE_EXHAUSTED,
    `${what} length ${length} exceeds maximum message size of ${MAX_MESSAGE_LENGTH}`,
  );
}

function writeString(buf: Buffer, pos: number, tag: number, s: string, len: number): number {
  if (len === 0) return pos;
  buf[pos++] = tag;
  pos = writeVarint(buf, pos, len);
  return pos + buf.write(s, pos, len, 'utf8');
}

function writeBytes(buf: Buffer, pos: number, tag: number, b: Uint8Array): number {
  if (b.length === 0) return pos;
  buf[pos++] = tag;
  pos = writeVarint(buf, pos, b.length);
  buf.set(b, pos);
  return pos + b.length;
}

function keyValueSize(kv: KeyValue): number {
  return fieldSize(Buffer.byteLength(kv.key)) + fieldSize(Buffer.byteLength(kv.value));
}

/** Size of the fields after `payload` (timeout and metadata). */
function requestTailSize(timeoutNano: number, metadata: readonly KeyValue[]): number {
  let size = timeoutNano === 0 ? 0 : 1 + int64Size(timeoutNano);
  for (const kv of metadata) {
    const len = keyValueSize(kv);
    size += 1 + varintSize(len) + len;
  }
  return size;
}

function writeRequestTail(
  buf: Buffer,
  pos: number,
  timeoutNano: number,
  metadata: readonly KeyValue[],
): number {
  if (timeoutNano !== 0) {
    buf[pos++] = 0x20;
    pos = writeInt64(buf, pos, timeoutNano);
  }
  for (const kv of metadata) {
    buf[pos++] = 0x2a;
    pos = writeVarint(buf, pos, keyValueSize(kv));
    pos = writeString(buf, pos, 0x0a, kv.key, Buffer.byteLength(kv.key));
    pos = writeString(buf, pos, 0x12, kv.value, Buffer.byteLength(kv.value));
  }
  return pos;
}

/**
 * Writes a whole Request frame (header and envelope) to `sink`. A large payload is written as its
 * own chunk rather than copied. Throws ERR_TTRPC_OVERSIZED, writing nothing, when the envelope
 * would exceed {@link MAX_MESSAGE_LENGTH}.
 */
export function writeRequestFrame(
  sink: ChunkSink,
  streamId: number,
  flags: number,
  req: RequestEnvelope,
): void {
  const sLen = Buffer.byteLength(req.service);
  const mLen = Buffer.byteLength(req.method);
  const pLen = req.payload.length;
  const head = fieldSize(sLen) + fieldSize(mLen) + (pLen === 0 ? 0 : 1 + varintSize(pLen));
  const tail = requestTailSize(req.timeoutNano, req.metadata);
  const body = head + pLen + tail;
  if (body > MAX_MESSAGE_LENGTH) throw oversized('request message', body);
  const inline = pLen <= INLINE_PAYLOAD_MAX;
  const buf = Buffer.allocUnsafe(HEADER_LENGTH + head + (inline ? pLen + tail : 0));
  writeHeader(buf, 0, body, streamId, MessageType.Request, flags);
  let pos = writeString(buf, HEADER_LENGTH, 0x0a, req.service, sLen);
  pos = writeString(buf, pos, 0x12, req.method, mLen);
  if (pLen !== 0) {
    buf[pos++] = 0x1a;
    pos = writeVarint(buf, pos, pLen);
  }
  if (inline) {
    buf.set(req.payload, pos);
    writeRequestTail(buf, pos + pLen, req.timeoutNano, req.metadata);
    sink.write(buf);
    return;
  }
  sink.write(buf);
  sink.write(req.payload);
  if (tail !== 0) {
    const rest = Buffer.allocUnsafe(tail);
    writeRequestTail(rest, 0, req.timeoutNano, req.metadata);
    sink.write(rest);
  }
}

function anySize(a: AnyMessage): number {
  return fieldSize(Buffer.byteLength(a.typeUrl)) + fieldSize(a.value.length);
}

function statusSize(st: RpcStatus): number {
  let size = st.code === 0 ? 0 : 1 + int32Size(st.code);
  size += fieldSize(Buffer.byteLength(st.message));
  for (const d of st.details) {
    const len = anySize(d);
    size += 1 + varintSize(len) + len;
  }
  return size;
}

function writeStatus(buf: Buffer, pos: number, st: RpcStatus): number {
  if (st.code !== 0) {
    buf[pos++] = 0x08;
    pos = writeInt32(buf, pos, st.code);
  }
  pos = writeString(buf, pos, 0x12, st.message, Buffer.byteLength(st.message));
  for (const d of st.details) {
    buf[pos++] = 0x1a;
    pos = writeVarint(buf, pos, anySize(d));
    pos = writeString(buf, pos, 0x0a, d.typeUrl, Buffer.byteLength(d.typeUrl));
    pos = writeBytes(buf, pos, 0x12, d.value);
  }
  return pos;
}

/**
 * Writes a whole Response frame. An OK status (code 0, no message, no details) is omitted, as Go's
 * server omits it; any other status is written in full. Throws ERR_TTRPC_OVERSIZED, writing
 * nothing, when the envelope would be too large.
 */
export function writeResponseFrame(
  sink: ChunkSink,
  streamId: number,
  status: RpcStatus,
  payload: Uint8Array,
): void {
  const stLen = status === OK_STATUS ? 0 : statusSize(status);
  const stField = stLen === 0 ? 0 : 1 + varintSize(stLen) + stLen;
  const pLen = payload.length;
  const head = stField + (pLen === 0 ? 0 : 1 + varintSize(pLen));
  const body = head + pLen;
  if (body > MAX_MESSAGE_LENGTH) throw oversized('response message', body);
  const inline = pLen <= INLINE_PAYLOAD_MAX;
  const buf = Buffer.allocUnsafe(HEADER_LENGTH + head + (inline ? pLen : 0));
  writeHeader(buf, 0, body, streamId, MessageType.Response, 0);
  let pos = HEADER_LENGTH;
  if (stLen !== 0) {
    buf[pos++] = 0x0a;
    pos = writeVarint(buf, pos, stLen);
    pos = writeStatus(buf, pos, status);
  }
  if (pLen !== 0) {
    buf[pos++] = 0x12;
    pos = writeVarint(buf, pos, pLen);
  }
  if (inline) {
    buf.set(payload, pos);
    sink.write(buf);
  } else {
    sink.write(buf);
    sink.write(payload);
  }
}

/** Writes a Data frame: raw payload, or no body and the no-data flag when `payload` is undefined. */
export function writeDataFrame(
  sink: ChunkSink,
  streamId: number,
  flags: number,
  payload: Uint8Array | undefined,
): void {
  const pLen = payload === undefined ? 0 : payload.length;
  if (pLen > MAX_MESSAGE_LENGTH) throw oversized('data message', pLen);
  const f = payload === undefined ? flags | 0x04 : flags;
  const inline = pLen <= INLINE_PAYLOAD_MAX;
  const buf = Buffer.allocUnsafe(HEADER_LENGTH + (inline ? pLen : 0));
  writeHeader(buf, 0, pLen, streamId, MessageType.Data, f);
  if (payload !== undefined && inline) buf.set(payload, HEADER_LENGTH);
  sink.write(buf);
  if (payload !== undefined && !inline) sink.write(payload);
}

/** Collects chunks into one buffer; used to encode envelopes on their own (tests, tools). */
class Collector implements ChunkSink {
  readonly chunks: Uint8Array[] = [];
  write(chunk: Uint8Array): void {
    this.chunks.push(chunk);
  }
  body(): Buffer {
    return Buffer.concat(this.chunks).subarray(HEADER_LENGTH);
  }
}

/** Encodes a `ttrpc.Request` envelope (no frame header). */
export function encodeRequest(req: RequestEnvelope): Buffer {
  const c = new Collector();
  writeRequestFrame(c, 1, 0, req);
  return c.body();
}

/** Encodes a `ttrpc.Response` envelope (no frame header); an undefined or OK status is omitted. */
export function encodeResponse(res: ResponseEnvelope): Buffer {
  const c = new Collector();
  writeResponseFrame(c, 1, res.status ?? OK_STATUS, res.payload);
  return c.body();
}
