import { hash } from 'node:crypto';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { extendValue, type HashAlg } from './alg.js';
import { MeasureError } from './errors.js';
import { type FileIo, fileIoFor, writeAllNow } from './file-io.js';
import { initialValueFor, type Register } from './register.js';

/** First bytes of a software register file written now: its trailer starts with a CRC-32. */
const MAGIC = Buffer.from('WARDSRG2', 'ascii');
/** First bytes of the earlier format, whose trailer is a SHA-256: still read. */
const MAGIC_V1 = Buffer.from('WARDSREG', 'ascii');
/**
 * magic, u16 alg, u16 mr index, value, then a 32-byte trailer over everything before it: the
 * CRC-32 (u32 LE) and 28 zero bytes, or in the earlier format the SHA-256. Both formats have the
 * same length, so either is rewritten in place by the next extend. The trailer detects a torn
 * write, not an attacker (this register has no root of trust): a CRC does, and it spares every
 * commit a call into OpenSSL, which costs some 10 µs in place on the development host.
 */
const CHECKSUM = 32;

/**
 * A register kept in a file: no hardware root of trust, so a verifier learns nothing from it
 * that it could not also forge. It exists so the embedded default and CI have the same code
 * path as the hardware registers. Each extend rewrites the fixed-size file in place and fsyncs,
 * with a checksum so a torn write is detected instead of trusted.
 */
export class SoftwareRegister implements Register {
  readonly hardwareRoot = false;
  readonly description: string;
  /** Present when the file is memory-backed: the write is then a copy made in this thread. */
  readonly extendManyNow: ((eventDigests: readonly Buffer[]) => void) | undefined;
  #value: Buffer | undefined;

  private constructor(
    readonly spec: string,
    readonly alg: HashAlg,
    readonly mrIndex: number,
    private readonly fh: FileHandle,
    private readonly path: string,
    private readonly io: FileIo,
  ) {
    this.description = `software register ${path} (${alg.name}, MR index ${mrIndex}; NO hardware root of trust)`;
    this.extendManyNow = io.memoryBacked ? (digests) => this.#extendNow(digests) : undefined;
  }

  /** Opens (creating when absent) the register file at `path`. */
  static async open(spec: string, path: string, alg: HashAlg, mrIndex: number): Promise<SoftwareRegister> {
    let fh: FileHandle;
    try {
      await mkdir(dirname(path), { recursive: true });
      fh = await open(path, 'a+');
      await fh.close();
      fh = await open(path, 'r+');
    } catch (err) {
      throw new MeasureError(
        'ERR_MEASURE_REGISTER',
        `cannot open software register ${path}: ${(err as Error).message}`,
      );
    }
    const reg = new SoftwareRegister(spec, alg, mrIndex, fh, path, await fileIoFor(path));
    const { size } = await fh.stat();
    if (size === 0) await reg.#write(reg.initialValue());
    else reg.#value = await reg.#load();
    return reg;
  }

  initialValue(): Buffer {
    return initialValueFor(this.alg, this.mrIndex, false);
  }

  async read(): Promise<Buffer> {
    this.#value ??= await this.#load();
    return Buffer.from(this.#value);
  }

  async extend(eventDigest: Buffer): Promise<void> {
    if (eventDigest.length !== this.alg.size) {
      throw new MeasureError(
        'ERR_MEASURE_REGISTER',
        `digest of ${eventDigest.length} bytes for a ${this.alg.name} register`,
      );
    }
    await this.#write(extendValue(this.alg, await this.read(), eventDigest));
  }

  async extendMany(eventDigests: readonly Buffer[]): Promise<void> {
    await this.#write(this.#extended(await this.read(), eventDigests));
  }

  #extendNow(eventDigests: readonly Buffer[]): void {
    // open() loads or writes the value, so it is known here.
    const v = this.#extended(this.#value as Buffer, eventDigests);
    writeAllNow(this.fh.fd, this.#image(v), 0);
    this.#value = v;
  }

  #extended(from: Buffer, eventDigests: readonly Buffer[]): Buffer {
    let v = from;
    for (const d of eventDigests) {
      if (d.length !== this.alg.size)
        throw new MeasureError(
          'ERR_MEASURE_REGISTER',
          `digest of ${d.length} bytes for a ${this.alg.name} register`,
        );
      v = extendValue(this.alg, v, d);
    }
    return v;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  async #load(): Promise<Buffer> {
    const len = MAGIC.length + 4 + this.alg.size + CHECKSUM;
    const buf = Buffer.alloc(len + 1);
    const { bytesRead } = await this.fh.read(buf, 0, buf.length, 0);
    const body = buf.subarray(0, len - CHECKSUM);
    const trailer = buf.subarray(len - CHECKSUM, len);
    const magic = buf.subarray(0, MAGIC.length);
    const ok =
      bytesRead === len &&
      (magic.equals(MAGIC)
        ? trailer.equals(crcTrailer(body))
        : magic.equals(MAGIC_V1) && hash('sha256', body, 'buffer').equals(trailer));
    if (!ok)
      throw new MeasureError(
        'ERR_MEASURE_REGISTER',
        `software register ${this.path} is corrupt or not ${this.alg.name}`,
      );
    const algId = buf.readUInt16LE(MAGIC.length);
    const mr = buf.readUInt16LE(MAGIC.length + 2);
    if (algId !== this.alg.tpmId || mr !== this.mrIndex) {
      throw new MeasureError(
        'ERR_MEASURE_REGISTER',
        `software register ${this.path} holds another algorithm or MR index`,
      );
    }
    return Buffer.from(buf.subarray(MAGIC.length + 4, MAGIC.length + 4 + this.alg.size));
  }

  async #write(value: Buffer): Promise<void> {
    await this.io.writeAll(this.fh, this.#image(value), 0);
    await this.io.datasync(this.fh);
    this.#value = Buffer.from(value);
  }

  // The whole file for `value`, built in one buffer.
  #image(value: Buffer): Buffer {
    const end = MAGIC.length + 4 + value.length;
    const out = Buffer.allocUnsafe(end + CHECKSUM);
    MAGIC.copy(out);
    out.writeUInt16LE(this.alg.tpmId, MAGIC.length);
    out.writeUInt16LE(this.mrIndex, MAGIC.length + 2);
    value.copy(out, MAGIC.length + 4);
    out.writeUInt32LE(crc32(out.subarray(0, end)), end);
    out.fill(0, end + 4);
    return out;
  }
}

function crcTrailer(body: Buffer): Buffer {
  const t = Buffer.alloc(CHECKSUM);
  t.writeUInt32LE(crc32(body), 0);
  return t;
}
