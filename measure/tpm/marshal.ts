import { MeasureError } from '../errors.js';
import { TPM_PCR_COUNT } from './constants.js';

/** Big-endian writer for TPM 2.0 structures (the TPM wire format is big-endian, unlike the log). */
export class TpmWriter {
  private readonly parts: Buffer[] = [];
  /** Appends a u8. */
  u8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeUInt8(v);
    this.parts.push(b);
    return this;
  }
  /** Appends a u16. */
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.parts.push(b);
    return this;
  }
  /** Appends a u32. */
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  /** Appends raw bytes. */
  bytes(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }
  /** Appends a TPM2B: u16 size then bytes. */
  tpm2b(b: Uint8Array): this {
    return this.u16(b.length).bytes(b);
  }
  /** The bytes written so far. */
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Big-endian reader that throws ERR_MEASURE_TPM on a short buffer rather than reading garbage. */
export class TpmReader {
  private off = 0;
  /** @param buf bytes to read. @param what names the structure in errors. */
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}
  private need(n: number): void {
    if (this.off + n > this.buf.length)
      throw new MeasureError('ERR_MEASURE_TPM', `${this.what} is truncated`);
  }
  /** Reads a u8. */
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.off++);
  }
  /** Reads a u16. */
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }
  /** Reads a u32. */
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  /** Reads a u64 as bigint. */
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.off);
    this.off += 8;
    return v;
  }
  /** Reads n raw bytes. */
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return Buffer.from(v);
  }
  /** Reads a TPM2B. */
  tpm2b(): Buffer {
    return this.bytes(this.u16());
  }
  /** Bytes not yet read. */
  remaining(): number {
    return this.buf.length - this.off;
  }
}

/** One bank's selection in a TPML_PCR_SELECTION. */
export interface PcrSelection {
  readonly hashAlg: number;
  readonly pcrs: readonly number[];
}

/** Marshals a TPML_PCR_SELECTION. */
export function writePcrSelection(w: TpmWriter, sels: readonly PcrSelection[]): void {
  w.u32(sels.length);
  for (const s of sels) {
    const bits = Buffer.alloc(3);
    for (const p of s.pcrs) {
      if (!Number.isInteger(p) || p < 0 || p >= TPM_PCR_COUNT)
        throw new MeasureError('ERR_MEASURE_BAD_INPUT', `PCR ${p} out of range`);
      bits[p >> 3]! |= 1 << (p & 7);
    }
    w.u16(s.hashAlg).u8(3).bytes(bits);
  }
}

/** Unmarshals a TPML_PCR_SELECTION; PCR numbers come out ascending, the order the TPM digests them. */
export function readPcrSelection(r: TpmReader): PcrSelection[] {
  const n = r.u32();
  if (n > 16) throw new MeasureError('ERR_MEASURE_TPM', `PCR selection with ${n} banks`);
  const out: PcrSelection[] = [];
  for (let i = 0; i < n; i++) {
    const hashAlg = r.u16();
    const size = r.u8();
    if (size > 4) throw new MeasureError('ERR_MEASURE_TPM', `sizeofSelect ${size}`);
    const bits = r.bytes(size);
    const pcrs: number[] = [];
    for (let p = 0; p < size * 8; p++) if ((bits[p >> 3]! >> (p & 7)) & 1) pcrs.push(p);
    out.push({ hashAlg, pcrs });
  }
  return out;
}
