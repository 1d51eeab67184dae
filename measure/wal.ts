import { hash } from 'node:crypto';
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

/**
 * Parses a WAL file's bytes: undefined when empty, torn or otherwise not a whole entry. An entry
 * ends where its own fields say, and its CRC-32 follows; bytes after that are what is left of a
 * longer earlier entry (the file is not cut: that would be one more system call per commit).
 * The earlier SHA-256 format filled the file exactly.
 */
export function decodeWal(buf: Buffer): WalEntry | undefined {
  const magic = buf.subarray(0, MAGIC.length);
  if (magic.equals(MAGIC)) {
    const parsed = parseEntry(buf);
    if (parsed === undefined || parsed.end + CHECKSUM > buf.length) return undefined;
    return crc32(buf.subarray(0, parsed.end)) === buf.readUInt32LE(parsed.end) ? parsed.entry : undefined;
  }
  if (magic.equals(MAGIC_V1) && buf.length >= HEAD + CHECKSUM_V1) {
    const body = buf.subarray(0, buf.length - CHECKSUM_V1);
    if (!hash('sha256', body, 'buffer').equals(buf.subarray(body.length))) return undefined;
    const parsed = parseEntry(body);
    return parsed?.end === body.length ? parsed.entry : undefined;
  }
  return undefined;
}

// The entry's fields from the start of `buf`, and where they end.
function parseEntry(buf: Buffer): { entry: WalEntry; end: number } | undefined {
  if (buf.length < HEAD) return undefined;
  const offset = Number(buf.readBigUInt64LE(MAGIC.length));
  const alg = algById(buf.readUInt16LE(MAGIC.length + 8));
  if (!alg || buf.readUInt16LE(MAGIC.length + 10) !== alg.size) return undefined;
  let o = HEAD;
  if (o + alg.size + 4 > buf.length) return undefined;
  const prior = Buffer.from(buf.subarray(o, o + alg.size));
  o += alg.size;
  const n = buf.readUInt32LE(o);
  o += 4;
  const events: { expected: Buffer; record: Buffer }[] = [];
  for (let i = 0; i < n; i++) {
    if (o + alg.size + 4 > buf.length) return undefined;
    const expected = Buffer.from(buf.subarray(o, o + alg.size));
    o += alg.size;
    const len = buf.readUInt32LE(o);
    o += 4;
    if (o + len > buf.length) return undefined;
    events.push({ expected, record: Buffer.from(buf.subarray(o, o + len)) });
    o += len;
  }
  return { entry: { offset, alg, prior, events }, end: o };
}

/**
 * Writes `entry` over the WAL's previous one and makes it durable. A crash mid-write leaves a
 * torn entry, which its checksum rejects, and the register is untouched then.
 */
export async function writeWal(io: FileIo, fh: FileHandle, entry: WalEntry): Promise<void> {
  await io.writeAll(fh, encodeWal(entry), 0);
  await io.datasync(fh);
}

/**
 * {@link writeWal} in the calling thread, for a WAL on memory-backed storage (no fdatasync:
 * there it does nothing).
 */
export function writeWalNow(fd: number, entry: WalEntry): void {
  writeAllNow(fd, encodeWal(entry), 0);
}

/**
 * Empties the WAL (recovery does, once it has acted on it). A commit does not: the entry it
 * leaves describes events already in the log and the register, which recovery recognizes and
 * leaves alone, so clearing it would be one more file operation per commit for nothing.
 */
export async function clearWal(fh: FileHandle): Promise<void> {
  await fh.truncate(0);
}
