import { hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { algById, type HashAlg } from './alg.js';
import type { FileIo } from './file-io.js';

/** First bytes of a write-ahead record. */
const MAGIC = Buffer.from('WARDWAL1', 'ascii');
const CHECKSUM = 32;

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

/** Serializes a WAL entry with a trailing SHA-256 so a torn write is recognized as such. */
export function encodeWal(e: WalEntry): Buffer {
  const head = Buffer.alloc(MAGIC.length + 8 + 4);
  MAGIC.copy(head);
  head.writeBigUInt64LE(BigInt(e.offset), MAGIC.length);
  head.writeUInt16LE(e.alg.tpmId, MAGIC.length + 8);
  head.writeUInt16LE(e.alg.size, MAGIC.length + 10);
  const parts: Buffer[] = [head, e.prior];
  const count = Buffer.alloc(4);
  count.writeUInt32LE(e.events.length);
  parts.push(count);
  for (const ev of e.events) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(ev.record.length);
    parts.push(ev.expected, len, ev.record);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, hash('sha256', body, 'buffer')]);
}

/** Parses a WAL file's bytes: undefined when empty, torn or otherwise not a whole entry. */
export function decodeWal(buf: Buffer): WalEntry | undefined {
  if (buf.length < MAGIC.length + 12 + CHECKSUM || !buf.subarray(0, MAGIC.length).equals(MAGIC))
    return undefined;
  const body = buf.subarray(0, buf.length - CHECKSUM);
  if (!hash('sha256', body, 'buffer').equals(buf.subarray(buf.length - CHECKSUM))) return undefined;
  const offset = Number(buf.readBigUInt64LE(MAGIC.length));
  const alg = algById(buf.readUInt16LE(MAGIC.length + 8));
  if (!alg || buf.readUInt16LE(MAGIC.length + 10) !== alg.size) return undefined;
  let o = MAGIC.length + 12;
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
 * Empties the WAL (recovery does, once it has acted on it). A commit does not: the entry it
 * leaves describes events already in the log and the register, which recovery recognizes and
 * leaves alone, so clearing it would be one more file operation per commit for nothing.
 */
export async function clearWal(fh: FileHandle): Promise<void> {
  await fh.truncate(0);
}
