import { hash } from 'node:crypto';
import { ftruncateSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { algById, type HashAlg } from './alg.js';
import { type FileIo, writeAllNow } from './file-io.js';

/** First bytes of a write-ahead record, checksummed with CRC-32 (what commits write). */
const MAGIC = Buffer.from('WARDWAL2', 'ascii');
/** First bytes of the earlier format, checksummed with SHA-256: still read after an upgrade. */
const MAGIC_V1 = Buffer.from('WARDWAL1', 'ascii');
const CHECKSUM = 4;
const CHECKSUM_V1 = 32;
/** magic, u64 offset, u16 alg id, u16 digest size. */
const HEAD = MAGIC.length + 12;

/**
 * The write-ahead record of one commit (a group of events): where in the log they go, the
 * register value before them, and for each event the register value after it and the record
 * bytes. It is durable before the register is touched, so after a crash recovery can tell how
 * many of the events reached the register and make the log say exactly that.
 */
export interface WalEntry {
  readonly offset: number;
  readonly alg: HashAlg;
  readonly prior: Buffer;
  readonly events: readonly { readonly expected: Buffer; readonly record: Buffer }[];
}

/**
 * Serializes a WAL entry, in one buffer, with a trailing CRC-32 so that a torn write is
 * recognized as such. The checksum guards against a crash mid-write, not against an attacker
 * (who could as well rewrite the log): a CRC does that at a fraction of a hash's cost, and
 * every commit pays it.
 */
export function encodeWal(e: WalEntry): Buffer {
  const size = e.alg.size;
  let length = HEAD + size + 4 + CHECKSUM;
  for (const ev of e.events) length += size + 4 + ev.record.length;
  const out = Buffer.allocUnsafe(length);
  MAGIC.copy(out);
  out.writeBigUInt64LE(BigInt(e.offset), MAGIC.length);
  out.writeUInt16LE(e.alg.tpmId, MAGIC.length + 8);
  out.writeUInt16LE(size, MAGIC.length + 10);
  let o = HEAD + e.prior.copy(out, HEAD);
  o = out.writeUInt32LE(e.events.length, o);
  for (const ev of e.events) {
    o += ev.expected.copy(out, o);
    o = out.writeUInt32LE(ev.record.length, o);
    o += ev.record.copy(out, o);
  }
  out.writeUInt32LE(crc32(out.subarray(0, o)), o);
  return out;
}

/** Parses a WAL file's bytes: undefined when empty, torn or otherwise not a whole entry. */
export function decodeWal(buf: Buffer): WalEntry | undefined {
  const body = checkedBody(buf);
  if (body === undefined) return undefined;
  const offset = Number(buf.readBigUInt64LE(MAGIC.length));
  const alg = algById(buf.readUInt16LE(MAGIC.length + 8));
  if (!alg || buf.readUInt16LE(MAGIC.length + 10) !== alg.size) return undefined;
  let o = HEAD;
  if (o + alg.size + 4 > body.length) return undefined;
  const prior = Buffer.from(body.subarray(o, o + alg.size));
  o += alg.size;
  const n = body.readUInt32LE(o);
  o += 4;
  const events: { expected: Buffer; record: Buffer }[] = [];
  for (let i = 0; i < n; i++) {
    if (o + alg.size + 4 > body.length) return undefined;
    const expected = Buffer.from(body.subarray(o, o + alg.size));
    o += alg.size;
    const len = body.readUInt32LE(o);
    o += 4;
    if (o + len > body.length) return undefined;
    events.push({ expected, record: Buffer.from(body.subarray(o, o + len)) });
    o += len;
  }
  return { offset, alg, prior, events };
}

// The entry without its checksum, when the checksum (of either format) holds.
function checkedBody(buf: Buffer): Buffer | undefined {
  const magic = buf.subarray(0, MAGIC.length);
  if (magic.equals(MAGIC)) {
    if (buf.length < HEAD + CHECKSUM) return undefined;
    const body = buf.subarray(0, buf.length - CHECKSUM);
    return crc32(body) === buf.readUInt32LE(body.length) ? body : undefined;
  }
  if (magic.equals(MAGIC_V1)) {
    if (buf.length < HEAD + CHECKSUM_V1) return undefined;
    const body = buf.subarray(0, buf.length - CHECKSUM_V1);
    return hash('sha256', body, 'buffer').equals(buf.subarray(body.length)) ? body : undefined;
  }
  return undefined;
}

/**
 * Replaces the WAL file's content with `entry` and makes it durable; returns its length. The
 * entry is written over the previous one and the file cut only when that was longer: a crash
 * mid-write leaves a torn entry, which the checksum rejects, and the register is untouched then.
 */
export async function writeWal(
  io: FileIo,
  fh: FileHandle,
  entry: WalEntry,
  previousLength: number,
): Promise<number> {
  const bytes = encodeWal(entry);
  await io.writeAll(fh, bytes, 0);
  if (previousLength > bytes.length) await io.truncate(fh, bytes.length);
  await io.datasync(fh);
  return bytes.length;
}

/**
 * {@link writeWal} in the calling thread, for a WAL on memory-backed storage (no fdatasync:
 * there it does nothing). Returns the entry's length.
 */
export function writeWalNow(fd: number, entry: WalEntry, previousLength: number): number {
  const bytes = encodeWal(entry);
  writeAllNow(fd, bytes, 0);
  if (previousLength > bytes.length) ftruncateSync(fd, bytes.length);
  return bytes.length;
}

/**
 * Empties the WAL (recovery does, once it has acted on it). A commit does not: the entry it
 * leaves describes events already in the log and the register, which recovery recognizes and
 * leaves alone, so clearing it would be one more file operation per commit for nothing.
 */
export async function clearWal(fh: FileHandle): Promise<void> {
  await fh.truncate(0);
}
