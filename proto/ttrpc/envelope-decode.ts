import type { KeyValue, RequestEnvelope, ResponseEnvelope } from './envelope.js';
import { TtrpcError, TtrpcErrorCode } from './errors.js';
import { type AnyMessage, OK_STATUS, type RpcStatus, StatusCode } from './status.js';
import { WireReader, WireType, wrongWireType } from './wire.js';

/**
 * Strict decoders of the ttrpc envelope (see envelope.ts for the messages): truncation, overlong
 * varints, field number 0, groups and known fields with the wrong wire type are errors; unknown
 * fields are skipped. Byte fields are views into the frame body, never copies.
 */

const EMPTY = Buffer.alloc(0);
const NO_METADATA: readonly KeyValue[] = Object.freeze([]);

function decodeKeyValue(r: WireReader): KeyValue {
  const start = r.bytesBounds();
  const inner = new WireReader(r.buf, start, r.pos);
  let key = '';
  let value = '';
  while (inner.more()) {
    const tag = inner.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1:
        if (wt !== WireType.Bytes) wrongWireType('ttrpc.KeyValue', 1, wt);
        key = inner.string();
        break;
      case 2:
        if (wt !== WireType.Bytes) wrongWireType('ttrpc.KeyValue', 2, wt);
        value = inner.string();
        break;
      default:
        skipUnknown(inner, tag, 'ttrpc.KeyValue');
    }
  }
  return { key, value };
}

/** Skips a field the message does not know; field number 0 is an ERR_TTRPC_DECODE error. */
export function skipUnknown(r: WireReader, tag: number, message: string): void {
  if (tag >>> 3 === 0)
    throw new TtrpcError(TtrpcErrorCode.DECODE, StatusCode.INVALID_ARGUMENT, `${message}: field number 0`);
  r.skip(tag & 7);
}

/** Decodes a `ttrpc.Request` envelope; `payload` is a view into `body`. Throws ERR_TTRPC_DECODE. */
export function decodeRequest(body: Buffer): RequestEnvelope {
  const r = new WireReader(body);
  let service = '';
  let method = '';
  let payload: Uint8Array = EMPTY;
  let timeoutNano = 0;
  let metadata: KeyValue[] | undefined;
  while (r.more()) {
    const tag = r.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1:
        if (wt !== WireType.Bytes) wrongWireType('ttrpc.Request', 1, wt);
        service = r.string();
        break;
      case 2:
        if (wt !== WireType.Bytes) wrongWireType('ttrpc.Request', 2, wt);
        method = r.string();
        break;
      case 3:
        if (wt !== WireType.Bytes) wrongWireType('ttrpc.Request', 3, wt);
        payload = r.bytes();
        break;
      case 4:
        if (wt !== WireType.Varint) wrongWireType('ttrpc.Request', 4, wt);
        timeoutNano = r.int64();
        break;
      case 5:
        if (wt !== WireType.Bytes) wrongWireType('ttrpc.Request', 5, wt);
        (metadata ??= []).push(decodeKeyValue(r));
        break;
      default:
        skipUnknown(r, tag, 'ttrpc.Request');
    }
  }
  return { service, method, payload, timeoutNano, metadata: metadata ?? NO_METADATA };
}

function decodeAny(r: WireReader): AnyMessage {
  const start = r.bytesBounds();
  const inner = new WireReader(r.buf, start, r.pos);
  let typeUrl = '';
  let value: Uint8Array = EMPTY;
  while (inner.more()) {
    const tag = inner.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1:
        if (wt !== WireType.Bytes) wrongWireType('google.protobuf.Any', 1, wt);
        typeUrl = inner.string();
        break;
      case 2:
        if (wt !== WireType.Bytes) wrongWireType('google.protobuf.Any', 2, wt);
        value = inner.bytes();
        break;
      default:
        skipUnknown(inner, tag, 'google.protobuf.Any');
    }
  }
  return { typeUrl, value };
}

function decodeStatus(r: WireReader): RpcStatus {
  const start = r.bytesBounds();
  if (start === r.pos) return OK_STATUS;
  const inner = new WireReader(r.buf, start, r.pos);
  let code = 0;
  let message = '';
  let details: AnyMessage[] | undefined;
  while (inner.more()) {
    const tag = inner.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1:
        if (wt !== WireType.Varint) wrongWireType('google.rpc.Status', 1, wt);
        code = inner.int32();
        break;
      case 2:
        if (wt !== WireType.Bytes) wrongWireType('google.rpc.Status', 2, wt);
        message = inner.string();
        break;
      case 3:
        if (wt !== WireType.Bytes) wrongWireType('google.rpc.Status', 3, wt);
        (details ??= []).push(decodeAny(inner));
        break;
      default:
        skipUnknown(inner, tag, 'google.rpc.Status');
    }
  }
  return { code, message, details: details ?? [] };
}

/** Decodes a `ttrpc.Response` envelope; `payload` is a view into `body`. Throws ERR_TTRPC_DECODE. */
export function decodeResponse(body: Buffer): ResponseEnvelope {
  const r = new WireReader(body);
  let status: RpcStatus | undefined;
  let payload: Uint8Array = EMPTY;
  while (r.more()) {
    const tag = r.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1:
        if (wt !== WireType.Bytes) wrongWireType('ttrpc.Response', 1, wt);
        status = decodeStatus(r);
        break;
      case 2:
        if (wt !== WireType.Bytes) wrongWireType('ttrpc.Response', 2, wt);
        payload = r.bytes();
        break;
      default:
        skipUnknown(r, tag, 'ttrpc.Response');
    }
  }
  return { status, payload };
}
