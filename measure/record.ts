import { isUtf8 } from 'node:buffer';
import { algById, digest, type HashAlg } from './alg.js';
import { MeasureError } from './errors.js';

/** EV_EVENT_TAG (TCG PC Client Platform Firmware Profile, table 9). */
export const EV_EVENT_TAG = 0x6;
/** TCG_PCClientTaggedEvent.taggedEventID of AAEL entries: ASCII "AAEL" as a little-endian u32. */
export const AAEL_TAGGED_EVENT_ID = 0x4141454c;
/** Largest event text Ward writes or accepts (1 MiB); bigger payloads are measured by digest. */
export const MAX_EVENT_TEXT = 1 << 20;

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
  /** The content's UTF-8 bytes (a view), for checks that need no string. */
  readonly contentBytes?: Buffer;
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

// The AAEL text of an event and its UTF-8 length, once domain, operation, content and size are
// checked; throws ERR_MEASURE_BAD_INPUT.
function eventText(ev: AaelEvent): { readonly text: string; readonly length: number } {
  validateNames(ev.domain, ev.operation);
  if (ev.content.includes('\n'))
    throw new MeasureError('ERR_MEASURE_BAD_INPUT', 'content contains a newline');
  const text = `${ev.domain} ${ev.operation} ${ev.content}`;
  const length = Buffer.byteLength(text, 'utf8');
  if (length > MAX_EVENT_TEXT) {
    throw new MeasureError(
      'ERR_MEASURE_BAD_INPUT',
      `event text of ${length} bytes exceeds ${MAX_EVENT_TEXT}`,
    );
  }
  return { text, length };
}

// Writes the TCG_PCClientTaggedEvent (id, size, UTF-8 text) at `at`; returns where it ends.
function writeTaggedEvent(
  out: Buffer,
  at: number,
  e: { readonly text: string; readonly length: number },
): number {
  let o = out.writeUInt32LE(AAEL_TAGGED_EVENT_ID, at);
  o = out.writeUInt32LE(e.length, o);
  return o + out.write(e.text, o, e.length, 'utf8');
}

/** The TCG_PCClientTaggedEvent of an AAEL text: id, size, then the UTF-8 text. */
export function taggedEventData(ev: AaelEvent): Buffer {
  const e = eventText(ev);
  const data = Buffer.allocUnsafe(8 + e.length);
  writeTaggedEvent(data, 0, e);
  return data;
}

/** Encodes one TCG_PCR_EVENT2 record; returns the bytes and the event digest. */
export function encodeRecord(
  mrIndex: number,
  alg: HashAlg,
  ev: AaelEvent,
): { bytes: Buffer; digest: Buffer } {
  const e = eventText(ev);
  const at = recordTextOffset(alg);
  const buf = Buffer.allocUnsafe(at + e.length);
  buf.write(e.text, at, e.length, 'utf8');
  return sealRecord(mrIndex, alg, buf, at + e.length);
}

/** Where the event text starts in a record of `alg`: after the TCG_PCR_EVENT2 and tagged-event headers. */
export function recordTextOffset(alg: HashAlg): number {
  return 14 + alg.size + 4 + 8;
}

/**
 * Encodes one TCG_PCR_EVENT2 record around an event text the caller has already written at
 * `buf[recordTextOffset(alg), end)` (checked names, no newline): the headers go in front and the
 * event data is hashed in place. The proxy writes every request's text this way, as bytes from
 * the start. Returns a copy of exactly the record's bytes, and the event digest.
 */
export function sealRecord(
  mrIndex: number,
  alg: HashAlg,
  buf: Buffer,
  end: number,
): { bytes: Buffer; digest: Buffer } {
  const textAt = recordTextOffset(alg);
  const length = end - textAt;
  if (length > MAX_EVENT_TEXT) {
    throw new MeasureError(
      'ERR_MEASURE_BAD_INPUT',
      `event text of ${length} bytes exceeds ${MAX_EVENT_TEXT}`,
    );
  }
  const out = Buffer.allocUnsafe(end);
  buf.copy(out, textAt, textAt, end);
  let o = out.writeUInt32LE(mrIndex >>> 0, 0);
  o = out.writeUInt32LE(EV_EVENT_TAG, o);
  o = out.writeUInt32LE(1, o);
  o = out.writeUInt16LE(alg.tpmId, o);
  const digestAt = o;
  o = out.writeUInt32LE(8 + length, o + alg.size);
  const dataAt = o;
  o = out.writeUInt32LE(AAEL_TAGGED_EVENT_ID, o);
  out.writeUInt32LE(length, o);
  const d = digest(alg, out.subarray(dataAt));
  d.copy(out, digestAt);
  return { bytes: out, digest: d };
}

/** The AAEL event of a record built by {@link sealRecord} or {@link encodeRecord}. */
export function recordEvent(record: Buffer, alg: HashAlg): AaelEvent {
  const text = record.toString('utf8', recordTextOffset(alg));
  const a = text.indexOf(' ');
  const b = text.indexOf(' ', a + 1);
  return { domain: text.slice(0, a), operation: text.slice(a + 1, b), content: text.slice(b + 1) };
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

/**
 * A record parsed in place: digest and event data are views into the log buffer and the text
 * fields are decoded only when read, because replay of a million records needs neither copies
 * nor strings (its checks run on bytes).
 */
class ParsedRecord implements LogRecord {
  constructor(
    readonly index: number,
    readonly offset: number,
    readonly length: number,
    readonly mrIndex: number,
    readonly alg: HashAlg,
    readonly digest: Buffer,
    readonly eventData: Buffer,
    /** Offsets in eventData of the first and second space of the text. */
    private readonly sp1: number,
    private readonly sp2: number,
  ) {}
  get domain(): string {
    return this.eventData.toString('utf8', 8, this.sp1);
  }
  get operation(): string {
    return this.eventData.toString('utf8', this.sp1 + 1, this.sp2);
  }
  get content(): string {
    return this.eventData.toString('utf8', this.sp2 + 1);
  }
  get contentBytes(): Buffer {
    return this.eventData.subarray(this.sp2 + 1);
  }
}

/** Where the parts of one record lie in the buffer; filled by {@link scanRecord}, reused across calls. */
export interface RecordSlots {
  mrIndex: number;
  alg: HashAlg | undefined;
  /** Total record length. */
  length: number;
  /** Offsets in the buffer: digest, event data, content (after the second space), end. */
  digestAt: number;
  dataAt: number;
  contentAt: number;
  end: number;
  /** Offsets in the event data of the two spaces. */
  sp1: number;
  sp2: number;
  /** When scanRecord returns a problem: the record is incomplete rather than malformed. */
  torn: boolean;
}

/** Fresh slots for {@link scanRecord}. */
export function newSlots(): RecordSlots {
  return {
    mrIndex: 0,
    alg: undefined,
    length: 0,
    digestAt: 0,
    dataAt: 0,
    contentAt: 0,
    end: 0,
    sp1: 0,
    sp2: 0,
    torn: false,
  };
}

/**
 * Checks the record at `off` and records where its parts are, allocating nothing on success.
 * Returns undefined when the record is well-formed, else the problem naming record `index`.
 */
export function scanRecord(buf: Buffer, off: number, index: number, s: RecordSlots): string | undefined {
  const left = buf.length - off;
  s.torn = true;
  if (left < 14) return `record ${index} at offset ${off}: truncated header`;
  s.torn = false;
  s.mrIndex = buf.readUInt32LE(off);
  const type = buf.readUInt32LE(off + 4);
  const count = buf.readUInt32LE(off + 8);
  if (type !== EV_EVENT_TAG)
    return `record ${index} at offset ${off}: event type ${type}, expected EV_EVENT_TAG (6)`;
  if (count !== 1) return `record ${index} at offset ${off}: ${count} digests, expected 1`;
  const algId = buf.readUInt16LE(off + 12);
  const alg = algById(algId);
  s.alg = alg;
  if (!alg)
    return `record ${index} at offset ${off}: unknown digest algorithm 0x${algId.toString(16).padStart(4, '0')}`;
  s.torn = left < 18 + alg.size;
  if (s.torn) return `record ${index} at offset ${off}: truncated digest`;
  const sizeAt = off + 14 + alg.size;
  const size = buf.readUInt32LE(sizeAt);
  if (size < 8 || size > MAX_EVENT_TEXT + 8)
    return `record ${index} at offset ${off}: event size ${size} out of range`;
  s.torn = left < 18 + alg.size + size;
  if (s.torn) return `record ${index} at offset ${off}: truncated event data`;
  const dataAt = sizeAt + 4;
  if (buf.readUInt32LE(dataAt) !== AAEL_TAGGED_EVENT_ID)
    return `record ${index} at offset ${off}: tagged event id is not AAEL`;
  if (buf.readUInt32LE(dataAt + 4) !== size - 8) {
    return `record ${index} at offset ${off}: tagged event size disagrees with the event size`;
  }
  const end = dataAt + size;
  // One pass finds the two separating spaces and whether the text is pure ASCII; only
  // non-ASCII text pays for full UTF-8 validation.
  let a = -1;
  let b = -1;
  let ascii = true;
  for (let i = dataAt + 8; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x80) ascii = false;
    else if (c === 0x20 && b < 0) {
      if (a < 0) a = i;
      else b = i;
    }
  }
  if (a <= dataAt + 8 || b < 0 || b === a + 1) {
    return `record ${index} at offset ${off}: event text is not "<domain> <operation> <content>"`;
  }
  if (!ascii && !isUtf8(buf.subarray(dataAt + 8, end)))
    return `record ${index} at offset ${off}: event text is not UTF-8`;
  s.length = 18 + alg.size + size;
  s.digestAt = off + 14;
  s.dataAt = dataAt;
  s.contentAt = b + 1;
  s.end = end;
  s.sp1 = a - dataAt;
  s.sp2 = b - dataAt;
  return undefined;
}

const slots = newSlots();

/** Parses the record at `off`; `index` only names it in messages. */
export function parseRecord(buf: Buffer, off: number, index: number): ParseOne {
  const problem = scanRecord(buf, off, index, slots);
  if (problem !== undefined) return { problem, torn: slots.torn };
  const s = slots;
  const alg = s.alg!;
  return {
    record: new ParsedRecord(
      index,
      off,
      s.length,
      s.mrIndex,
      alg,
      buf.subarray(s.digestAt, s.digestAt + alg.size),
      buf.subarray(s.dataAt, s.end),
      s.sp1,
      s.sp2,
    ),
  };
}
