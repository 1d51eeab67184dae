import { HEADER_LENGTH, INLINE_PAYLOAD_MAX, MAX_MESSAGE_LENGTH, MessageType } from './constants.js';
import type { ChunkSink } from './envelope.js';
import { skipUnknown } from './envelope-decode.js';
import { TtrpcError, TtrpcErrorCode } from './errors.js';
import { writeHeader } from './header.js';
import { StatusCode } from './status.js';
import { WireReader, WireType, wrongWireType } from './wire.js';

/**
 * A `ttrpc.Response` message exactly as it came off the wire, for a proxy that relays answers
 * unchanged: the status and payload are not decoded (a status message costs a string decode and
 * an error object on the way in, and an encode on the way out), only checked for shape.
 */
export class RawResponse {
  /**
   * @param body the Response message (the frame body).
   * @param code the status code it carries (OK when it has no status).
   */
  constructor(
    readonly body: Uint8Array,
    readonly code: number,
  ) {}

  /** True when the response carries no error status. */
  get ok(): boolean {
    return this.code === StatusCode.OK;
  }
}

// google.rpc.Status: only the code is read; message and details are checked for wire shape.
function statusCode(r: WireReader): number {
  const start = r.bytesBounds();
  const inner = new WireReader(r.buf, start, r.pos);
  let code = 0;
  while (inner.more()) {
    const tag = inner.uint32();
    const wt = tag & 7;
    const field = tag >>> 3;
    if (field === 1) {
      if (wt !== WireType.Varint) wrongWireType('google.rpc.Status', 1, wt);
      code = inner.int32();
    } else if (field === 2 || field === 3) {
      if (wt !== WireType.Bytes) wrongWireType('google.rpc.Status', field, wt);
      inner.bytesBounds();
    } else {
      skipUnknown(inner, tag, 'google.rpc.Status');
    }
  }
  return code;
}

/**
 * Checks the shape of a `ttrpc.Response` body (as strictly as the full decoder, without decoding
 * strings) and wraps it. Throws ERR_TTRPC_DECODE.
 */
export function scanResponse(body: Buffer): RawResponse {
  const r = new WireReader(body);
  let code: number = StatusCode.OK;
  while (r.more()) {
    const tag = r.uint32();
    const wt = tag & 7;
    const field = tag >>> 3;
    if (field === 1) {
      if (wt !== WireType.Bytes) wrongWireType('ttrpc.Response', 1, wt);
      code = statusCode(r);
    } else if (field === 2) {
      if (wt !== WireType.Bytes) wrongWireType('ttrpc.Response', 2, wt);
      r.bytesBounds();
    } else {
      skipUnknown(r, tag, 'ttrpc.Response');
    }
  }
  return new RawResponse(body, code);
}

/** Writes a Response frame whose body is `raw`'s bytes, unchanged. */
export function writeRawResponseFrame(sink: ChunkSink, streamId: number, raw: RawResponse): void {
  const len = raw.body.length;
  if (len > MAX_MESSAGE_LENGTH) {
    throw new TtrpcError(
      TtrpcErrorCode.OVERSIZED,
      StatusCode.RESOURCE_EXHAUSTED,
      `response message length ${len} exceeds maximum message size of ${MAX_MESSAGE_LENGTH}`,
    );
  }
  const inline = len <= INLINE_PAYLOAD_MAX;
  const buf = Buffer.allocUnsafe(HEADER_LENGTH + (inline ? len : 0));
  writeHeader(buf, 0, len, streamId, MessageType.Response, 0);
  if (inline) {
    buf.set(raw.body, HEADER_LENGTH);
    sink.write(buf);
  } else {
    sink.write(buf);
    sink.write(raw.body);
  }
}
