import { HEADER_LENGTH } from './constants.js';

/** The decoded 10-byte frame header. */
export interface FrameHeader {
  /** Body length in bytes, header excluded. */
  readonly length: number;
  readonly streamId: number;
  readonly type: number;
  readonly flags: number;
}

/** Writes a frame header at `offset`; all fields big-endian as the protocol requires. */
export function writeHeader(
  buf: Uint8Array,
  offset: number,
  length: number,
  streamId: number,
  type: number,
  flags: number,
): void {
  buf[offset] = length >>> 24;
  buf[offset + 1] = length >>> 16;
  buf[offset + 2] = length >>> 8;
  buf[offset + 3] = length;
  buf[offset + 4] = streamId >>> 24;
  buf[offset + 5] = streamId >>> 16;
  buf[offset + 6] = streamId >>> 8;
  buf[offset + 7] = streamId;
  buf[offset + 8] = type;
  buf[offset + 9] = flags;
}

/** Reads the big-endian u32 at `offset` (no bounds check: callers hold a full header). */
export function readUint32(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

/** Decodes a frame header from the first {@link HEADER_LENGTH} bytes at `offset`. */
export function readHeader(buf: Uint8Array, offset = 0): FrameHeader {
  if (buf.length - offset < HEADER_LENGTH) throw new RangeError('frame header needs 10 bytes');
  return {
    length: readUint32(buf, offset),
    streamId: readUint32(buf, offset + 4),
    type: buf[offset + 8]!,
    flags: buf[offset + 9]!,
  };
}

/** Encodes a frame header into a new 10-byte buffer. */
export function encodeHeader(header: FrameHeader): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_LENGTH);
  writeHeader(buf, 0, header.length, header.streamId, header.type, header.flags);
  return buf;
}
