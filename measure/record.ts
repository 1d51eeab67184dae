import { isUtf8 } from 'node:buffer';
import { algById, digest, type HashAlg } from './alg.js';
import { MeasureError } from './errors.js';

/** EV_EVENT_TAG (TCG PC Client Platform Firmware Profile, table 9). */
export const EV_EVENT_TAG = 0x6;
/** TCG_PCClientTaggedEvent.taggedEventID of AAEL entries: ASCII "AAEL" as a little-endian u32. */
export const AAEL_TAGGED_EVENT_ID = 0x4141454c;
/** Largest event text Ward writes or accepts (1 MiB); bigger payloads are measured by digest. */
export const MAX_EVENT_TEXT = 1 << 20;
/** Fixed bytes of a record around the digest and the text: 3 u32, u16 alg, u32 size, tag u32, len u32. */
const FIXED = 4 + 4 + 4 + 2 + 4 + 4 + 4;

/** The three parts of an AAEL event text `<domain> <operation> <content>`. */
export interface AaelEvent {
  readonly domain: string;
  readonly operation: string;
  readonly content: string;
}

/** One parsed record of a measurement log. */
export interface LogRecord extends AaelEvent {
  /** Position in the log, from 0. */
  readonly index: number;
  /** Byte offset of the record in the log file. */
  readonly offset: number;
  /** Byte length of the whole record. */
  readonly length: number;
  /** TCG_PCR_EVENT2.pcrIndex: the MR index (CC MR for TDX: RTMR n is n+1; PCR number for TPM). */
  readonly mrIndex: number;
  readonly alg: HashAlg;
  /** The digest the record carries (must equal H(event data)); a view into the parsed buffer. */
  readonly digest: Buffer;
  /** The event data: the TCG_PCClientTaggedEvent bytes the digest covers; a view into the parsed buffer. */
  readonly eventData: Buffer;
}

const WHITESPACE = /\s/;

/** Throws ERR_MEASURE_BAD_INPUT unless domain and operation are non-empty and without whitespace. */
export function validateNames(domain: string, operation: string): void {
  if (domain.length === 0 || WHITESPACE.test(domain)) {
    throw new MeasureError(
      'ERR_MEASURE_BAD_INPUT',
      `domain '${domain}' must be non-empty without whitespace`,
    );
  }
  if (operation.length === 0 || WHITESPACE.test(operation)) {
    throw new MeasureError(
      'ERR_MEASURE_BAD_INPUT',
      `operation '${operation}' must be non-empty without whitespace`,
    );
  }
}

/** The TCG_PCClientTaggedEvent of an AAEL text: id, size, then the UTF-8 text. */
export function taggedEventData(ev: AaelEvent): Buffer {
  validateNames(ev.domain, ev.operation);
  if (ev.content.includes('\n'))
    throw new MeasureError('ERR_MEASURE_BAD_INPUT', 'content contains a newline');
  const text = Buffer.from(`${ev.domain} ${ev.operation} ${ev.content}`, 'utf8');
  if (text.length > MAX_EVENT_TEXT) {
    throw new MeasureError(
      'ERR_MEASURE_BAD_INPUT',
      `event text of ${text.length} bytes exceeds ${MAX_EVENT_TEXT}`,
    );
  }
  const data = Buffer.allocUnsafe(8 + text.length);
  data.writeUInt32LE(AAEL_TAGGED_EVENT_ID, 0);
  data.writeUInt32LE(text.length, 4);
  text.copy(data, 8);
  return data;
}

/** Encodes one TCG_PCR_EVENT2 record; returns the bytes and the event digest. */
export function encodeRecord(
  mrIndex: number,
  alg: HashAlg,
  ev: AaelEvent,
): { bytes: Buffer; digest: Buffer } {
  const data = taggedEventData(ev);
  const d = digest(alg, data);
  const out = Buffer.allocUnsafe(14 + alg.size + 4 + data.length);
  let o = out.writeUInt32LE(mrIndex >>> 0, 0);
  o = out.writeUInt32LE(EV_EVENT_TAG, o);
  o = out.writeUInt32LE(1, o);
  o = out.writeUInt16LE(alg.tpmId, o);
  o += d.copy(out, o);
  o = out.writeUInt32LE(data.length, o);
  data.copy(out, o);
  return { bytes: out, digest: d };
}

/** How a parse ended: at the end of the bytes, in a torn (incomplete) last record, or at a bad record. */
export type LogTail = 'clean' | 'torn' | 'corrupt';

/** Result of parsing a log: every good record before the first problem, and where it stopped. */
export interface ParsedLog {
  readonly records: LogRecord[];
  /** Byte offset just after the last good record. */
  readonly validEnd: number;
  readonly tail: LogTail;
  /** Why parsing stopped early (tail !== 'clean'). */
  readonly problem?: string;
}

/**
 * Parses a whole log. Never throws on bad bytes: it reports the good prefix and why it stopped,
 * so recovery can repair a torn tail and a verifier can name the first broken record.
 */
export function parseLog(buf: Buffer): ParsedLog {
  const records: LogRecord[] = [];
  let off = 0;
  while (off < buf.length) {
    const r = parseRecord(buf, off, records.length);
    if ('problem' in r)
      return { records, validEnd: off, tail: r.torn ? 'torn' : 'corrupt', problem: r.problem };
    records.push(r.record);
    off += r.record.length;
  }
  return { records, validEnd: off, tail: 'clean' };
}

type ParseOne = { record: LogRecord } | { problem: string; torn: boolean };

/** Parses the record at `off`; `index` only names it in messages. */
export function parseRecord(buf: Buffer, off: number, index: number): ParseOne {
  const left = buf.length - off;
  const torn = (what: string): ParseOne => ({
    problem: `record ${index} at offset ${off}: truncated ${what}`,
    torn: true,
  });
  const corrupt = (what: string): ParseOne => ({
    problem: `record ${index} at offset ${off}: ${what}`,
    torn: false,
  });
  if (left < 14) return torn('header');
  const mrIndex = buf.readUInt32LE(off);
  const type = buf.readUInt32LE(off + 4);
  const count = buf.readUInt32LE(off + 8);
  if (type !== EV_EVENT_TAG) return corrupt(`event type ${type}, expected EV_EVENT_TAG (6)`);
  if (count !== 1) return corrupt(`${count} digests, expected 1`);
  const algId = buf.readUInt16LE(off + 12);
  const alg = algById(algId);
  if (!alg) return corrupt(`unknown digest algorithm 0x${algId.toString(16).padStart(4, '0')}`);
  if (left < FIXED - 8 + alg.size) return torn('digest');
  const dgst = buf.subarray(off + 14, off + 14 + alg.size);
  const sizeAt = off + 14 + alg.size;
  const size = buf.readUInt32LE(sizeAt);
  if (size < 8 || size > MAX_EVENT_TEXT + 8) return corrupt(`event size ${size} out of range`);
  if (left < 18 + alg.size + size) return torn('event data');
  const data = buf.subarray(sizeAt + 4, sizeAt + 4 + size);
  if (data.readUInt32LE(0) !== AAEL_TAGGED_EVENT_ID) return corrupt('tagged event id is not AAEL');
  if (data.readUInt32LE(4) !== size - 8) return corrupt('tagged event size disagrees with the event size');
  const text = data.subarray(8);
  if (!isUtf8(text)) return corrupt('event text is not UTF-8');
  const str = text.toString('utf8');
  const sp1 = str.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : str.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 <= sp1 + 1) return corrupt('event text is not "<domain> <operation> <content>"');
  return {
    record: {
      index,
      offset: off,
      length: 18 + alg.size + size,
      mrIndex,
      alg,
      // Views into the caller's buffer: a million-record replay must not copy every record.
      digest: dgst,
      eventData: data,
      domain: str.slice(0, sp1),
      operation: str.slice(sp1 + 1, sp2),
      content: str.slice(sp2 + 1),
    },
  };
}
