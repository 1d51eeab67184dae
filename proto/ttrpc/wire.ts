import { TtrpcError, TtrpcErrorCode } from './errors.js';
import { StatusCode } from './status.js';

/**
 * The few protobuf wire primitives the ttrpc envelope needs, written by hand because the
 * envelope is on every call's hot path: varints, length-delimited fields, field skipping.
 */

/** Protobuf wire types. */
export const WireType = { Varint: 0, Fixed64: 1, Bytes: 2, StartGroup: 3, EndGroup: 4, Fixed32: 5 } as const;

const TWO_32 = 4294967296;

function decodeError(message: string): TtrpcError {
  return new TtrpcError(TtrpcErrorCode.DECODE, StatusCode.INVALID_ARGUMENT, message);
}

/** Bytes needed to encode a non-negative integer (< 2^53) as a varint. */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 4;
  n = Math.floor(n / 0x10000000);
  while (n > 0) {
    size++;
    n = Math.floor(n / 0x80);
  }
  return size;
}

/** Writes a non-negative integer (< 2^53) as a varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80000000) {
    buf[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

/** Size of an int32 field value: negative values take the full 10-byte two's complement form. */
export function int32Size(n: number): number {
  return n < 0 ? 10 : varintSize(n);
}

/** Writes an int32 as protobuf does (negatives sign-extended to 64 bits). */
export function writeInt32(buf: Uint8Array, pos: number, n: number): number {
  if (n >= 0) return writeVarint(buf, pos, n);
  let lo = n >>> 0;
  for (let i = 0; i < 4; i++) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  // bits 28..31 of the low word, then 1-bits of the sign extension.
  buf[pos++] = (lo & 0x0f) | 0x70 | 0x80;
  for (let i = 0; i < 4; i++) buf[pos++] = 0xff;
  buf[pos++] = 0x01;
  return pos;
}

/** A cursor over one protobuf message inside a buffer; every read is bounds-checked. */
export class WireReader {
  pos: number;
  readonly end: number;
  readonly buf: Buffer;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** True while bytes remain. */
  more(): boolean {
    return this.pos < this.end;
  }

  /** Low and high 32 bits of the last varint read. */
  private lo = 0;
  private hi = 0;

  private varint(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let i = 0; i < 4; i++) {
      if (this.pos >= this.end) throw decodeError('truncated varint');
      b = buf[this.pos++]!;
      lo |= (b & 0x7f) << (7 * i);
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    if (this.pos >= this.end) throw decodeError('truncated varint');
    b = buf[this.pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (let i = 0; i < 5; i++) {
        if (this.pos >= this.end) throw decodeError('truncated varint');
        b = buf[this.pos++]!;
        hi |= (b & 0x7f) << (7 * i + 3);
        if (b < 0x80) break;
        if (i === 4) throw decodeError('varint longer than 10 bytes');
      }
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** Reads a varint as a signed 64-bit value (two's complement); exact up to 2^53 in magnitude. */
  int64(): number {
    this.varint();
    return (this.hi | 0) * TWO_32 + this.lo;
  }

  /** Reads a varint and keeps its low 32 bits as a signed int32 (protobuf int32 semantics). */
  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  /** Reads a varint that must fit in 32 bits unsigned (tags, lengths). */
  uint32(): number {
    this.varint();
    if (this.hi !== 0) throw decodeError('varint out of uint32 range');
    return this.lo;
  }

  /** Reads a length-delimited field and returns its bounds [start, end). */
  bytesBounds(): number {
    const len = this.uint32();
    const start = this.pos;
    if (len > this.end - start) throw decodeError('truncated length-delimited field');
    this.pos = start + len;
    return start;
  }

  /** Reads a length-delimited field as a view into the buffer (no copy). */
  bytes(): Buffer {
    const start = this.bytesBounds();
    return this.buf.subarray(start, this.pos);
  }

  /** Reads a length-delimited field as UTF-8 text. */
  string(): string {
    const start = this.bytesBounds();
    return this.buf.toString('utf8', start, this.pos);
  }

  /** Skips one field of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.advance(8);
        return;
      case WireType.Bytes:
        this.bytesBounds();
        return;
      case WireType.Fixed32:
        this.advance(4);
        return;
      default:
        throw decodeError(`unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.end - this.pos < n) throw decodeError('truncated fixed-width field');
    this.pos += n;
  }
}

/** Throws the decode error for a known field sent with the wrong wire type. */
export function wrongWireType(message: string, field: number, wireType: number): never {
  throw decodeError(`${message}: field ${field} has wire type ${wireType}`);
}

/** Size of an int64 field value: negatives take the full 10-byte two's complement form. */
export function int64Size(n: number): number {
  return n < 0 ? 10 : varintSize(n);
}

/** Writes an int64 (|n| < 2^53) as protobuf does, negatives in two's complement. */
export function writeInt64(buf: Uint8Array, pos: number, n: number): number {
  if (n >= 0) return writeVarint(buf, pos, n);
  let hi = Math.floor(n / TWO_32) >>> 0;
  let lo = (n - Math.floor(n / TWO_32) * TWO_32) >>> 0;
  for (let i = 0; i < 4; i++) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  buf[pos++] = (lo & 0x0f) | ((hi & 0x07) << 4) | 0x80;
  hi >>>= 3;
  for (let i = 0; i < 4; i++) {
    buf[pos++] = (hi & 0x7f) | 0x80;
    hi >>>= 7;
  }
  buf[pos++] = hi & 0x01;
  return pos;
}
