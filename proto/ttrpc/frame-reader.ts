import { HEADER_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';
import { TtrpcError, TtrpcErrorCode } from './errors.js';
import { readUint32 } from './header.js';
import { StatusCode } from './status.js';

/** Receives what a {@link FrameReader} cuts out of the byte stream. */
export interface FrameSink {
  /** A complete frame. `body` may be a view into a received chunk: copy it to keep it past the call. */
  onFrame(streamId: number, type: number, flags: number, body: Buffer): void;
  /** A frame whose length exceeds the limit; its body is being discarded without being buffered. */
  onOversized(streamId: number, type: number, flags: number, length: number): void;
}

/**
 * Incremental ttrpc frame parser. Frames wholly inside one chunk are passed on as views (no
 * copy); a frame split across chunks is assembled in one buffer of exactly its length, which is
 * never more than the limit. Oversized bodies are skipped byte-count-wise, so the connection
 * stays usable and memory stays bounded whatever lengths a peer claims.
 */
export class FrameReader {
  private readonly sink: FrameSink;
  private readonly maxLength: number;
  private readonly header = Buffer.alloc(HEADER_LENGTH);
  private headerFilled = 0;
  private body: Buffer | undefined;
  private bodyFilled = 0;
  private streamId = 0;
  private type = 0;
  private flags = 0;
  private discard = 0;

  constructor(sink: FrameSink, maxLength = MAX_MESSAGE_LENGTH) {
    this.sink = sink;
    this.maxLength = maxLength;
  }

  /** Bytes currently held for a partial frame (header bytes plus the body buffer's size). */
  get bufferedBytes(): number {
    return this.headerFilled + (this.body === undefined ? 0 : this.body.length);
  }

  /** True when the reader is between frames (nothing partial held or being discarded). */
  get idle(): boolean {
    return this.headerFilled === 0 && this.body === undefined && this.discard === 0;
  }

  /** Feeds received bytes; sink callbacks run synchronously, in order. */
  push(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      if (this.discard > 0) {
        const n = Math.min(this.discard, len - pos);
        this.discard -= n;
        pos += n;
        continue;
      }
      if (this.body !== undefined) {
        const n = Math.min(this.body.length - this.bodyFilled, len - pos);
        chunk.copy(this.body, this.bodyFilled, pos, pos + n);
        this.bodyFilled += n;
        pos += n;
        if (this.bodyFilled === this.body.length) {
          const body = this.body;
          this.body = undefined;
          this.sink.onFrame(this.streamId, this.type, this.flags, body);
        }
        continue;
      }
      let length: number;
      if (this.headerFilled === 0 && len - pos >= HEADER_LENGTH) {
        length = readUint32(chunk, pos);
        this.streamId = readUint32(chunk, pos + 4);
        this.type = chunk[pos + 8]!;
        this.flags = chunk[pos + 9]!;
        pos += HEADER_LENGTH;
      } else {
        const n = Math.min(HEADER_LENGTH - this.headerFilled, len - pos);
        chunk.copy(this.header, this.headerFilled, pos, pos + n);
        this.headerFilled += n;
        pos += n;
        if (this.headerFilled < HEADER_LENGTH) continue;
        this.headerFilled = 0;
        const h = this.header;
        length = readUint32(h, 0);
        this.streamId = readUint32(h, 4);
        this.type = h[8]!;
        this.flags = h[9]!;
      }
      if (length > this.maxLength) {
        this.discard = length;
        this.sink.onOversized(this.streamId, this.type, this.flags, length);
        continue;
      }
      if (len - pos >= length) {
        const body = chunk.subarray(pos, pos + length);
        pos += length;
        this.sink.onFrame(this.streamId, this.type, this.flags, body);
        continue;
      }
      this.body = Buffer.allocUnsafe(length);
      this.bodyFilled = 0;
    }
  }

  /**
   * Signals the end of the byte stream. Returns the error describing a truncated frame when the
   * stream ended inside one, or undefined when it ended on a frame boundary.
   */
  end(): TtrpcError | undefined {
    if (this.idle) return undefined;
    const where =
      this.body !== undefined
        ? `body (${this.bodyFilled} of ${this.body.length} bytes)`
        : this.discard > 0
          ? `oversized body (${this.discard} bytes still to discard)`
          : `header (${this.headerFilled} of ${HEADER_LENGTH} bytes)`;
    this.body = undefined;
    this.headerFilled = 0;
    this.discard = 0;
    return new TtrpcError(
      TtrpcErrorCode.PROTOCOL,
      StatusCode.DATA_LOSS,
      `ttrpc: connection ended inside a frame ${where}`,
    );
  }
}
