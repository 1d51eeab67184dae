import { digest, extendValue, type HashAlg, hex } from './alg.js';
import { canonicalize } from './jcs.js';
import type { LogRecord, ParsedLog } from './record.js';
import { initialValueFor } from './register.js';

/** Member of every Ward event's content holding the record's sequence number. */
export const SEQ_MEMBER = 'seq';

/** What replay checks against, all optional (a bare replay only checks record integrity). */
export interface ReplayOptions {
  /** The algorithm every record must use. Defaults to the first record's. */
  readonly alg?: HashAlg;
  /** The MR index every record must use (Ward writes one register per log). */
  readonly mrIndex?: number;
  /** Whether MR indexes are TPM PCR numbers (for the 0xFF… initial value of PCRs 17–22). */
  readonly tpm?: boolean;
  /** Also check that every Ward event's content is RFC 8785 canonical (default true). */
  readonly canonical?: boolean;
}

/** The first record that breaks, by index, and why. */
export interface ReplayProblem {
  readonly index: number;
  readonly message: string;
}

/** A replay's outcome: the register values it computes and the first problem, if any. */
export interface ReplayResult {
  readonly alg: HashAlg | undefined;
  /** Final value per MR index, over the records before the first problem. */
  readonly values: ReadonlyMap<number, Buffer>;
  /** Records replayed without a problem. */
  readonly replayed: number;
  readonly problem?: ReplayProblem;
}

/**
 * The top-level `seq` of a Ward event's content (a JSON object), or undefined when the content
 * is not a Ward event. A small scanner rather than JSON.parse, over the UTF-8 bytes (JSON's
 * structural characters are ASCII and never occur inside a multi-byte sequence): replay calls it
 * once per record.
 */
export function wardSequence(content: string | Buffer): number | undefined {
  const b = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  if (b[0] !== 0x7b /* { */) return undefined;
  let depth = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x22 /* " */) {
      if (
        depth === 1 &&
        b[i + 1] === 0x73 &&
        b[i + 2] === 0x65 &&
        b[i + 3] === 0x71 &&
        b[i + 4] === 0x22 &&
        b[i + 5] === 0x3a
      ) {
        // "seq": then an integer.
        let j = i + 6;
        let v = 0;
        const start = j;
        while (j < b.length && b[j]! >= 0x30 && b[j]! <= 0x39 && j - start < 16)
          v = v * 10 + (b[j++]! - 0x30);
        return j > start ? v : undefined;
      }
      // Skip the string, honouring escapes.
      for (i++; i < b.length && b[i] !== 0x22; i++) if (b[i] === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

/**
 * Replays records from their registers' initial values. Checks, per record and in order: the
 * algorithm, the MR index, that the digest is the hash of the event data, and for Ward logs
 * (first record's content has a `seq`) that the content is canonical JSON whose `seq` equals the
 * record's position, which is what exposes dropped, duplicated and reordered records by name.
 */
export function replay(parsed: ParsedLog, opts: ReplayOptions = {}): ReplayResult {
  const values = new Map<number, Buffer>();
  const alg = opts.alg ?? parsed.records[0]?.alg;
  const ward =
    parsed.records[0] !== undefined &&
    wardSequence(parsed.records[0].contentBytes ?? parsed.records[0].content) !== undefined;
  let n = 0;
  const stop = (index: number, message: string): ReplayResult => ({
    alg,
    values,
    replayed: n,
    problem: { index, message },
  });
  for (const r of parsed.records) {
    const p = checkRecord(r, alg, opts.mrIndex, ward, opts.canonical ?? true);
    if (p) return stop(r.index, p);
    const mr = r.mrIndex;
    const old = values.get(mr) ?? initialValueFor(r.alg, mr, opts.tpm ?? false);
    values.set(mr, extendValue(r.alg, old, r.digest));
    n++;
  }
  if (parsed.tail !== 'clean') return stop(parsed.records.length, parsed.problem ?? 'unreadable record');
  return { alg, values, replayed: n };
}

function checkRecord(
  r: LogRecord,
  alg: HashAlg | undefined,
  mrIndex: number | undefined,
  ward: boolean,
  strict: boolean,
): string | undefined {
  if (alg && r.alg !== alg)
    return `record ${r.index}: ${r.alg.name} digest in a ${alg.name} log (log for another algorithm)`;
  if (mrIndex !== undefined && r.mrIndex !== mrIndex)
    return `record ${r.index}: MR index ${r.mrIndex}, expected ${mrIndex}`;
  if (!digest(r.alg, r.eventData).equals(r.digest))
    return `record ${r.index}: digest does not match its event data`;
  if (!ward) return undefined;
  const seq = wardSequence(r.contentBytes ?? r.content);
  if (seq === undefined) return `record ${r.index}: content has no sequence number`;
  if (seq !== r.index) {
    return `record ${r.index}: sequence ${seq} where ${r.index} was expected (record dropped, duplicated or reordered)`;
  }
  if (!strict) return undefined;
  let canonical: string;
  try {
    canonical = canonicalize(JSON.parse(r.content));
  } catch {
    return `record ${r.index}: content is not canonicalizable JSON`;
  }
  if (canonical !== r.content) return `record ${r.index}: content is not RFC 8785 canonical JSON`;
  return undefined;
}

/** Compares a replay with an expected register value; returns the failure line or undefined when equal. */
export function compareRegister(
  res: ReplayResult,
  mrIndex: number,
  expected: Buffer,
  initial: Buffer,
): string | undefined {
  if (res.problem) return res.problem.message;
  const got = res.values.get(mrIndex) ?? initial;
  if (got.equals(expected)) return undefined;
  return (
    `replay of ${res.replayed} records gives ${hex(got)} but the register holds ${hex(expected)}` +
    ` (records missing after record ${res.replayed - 1}, or the log was truncated or tampered with)`
  );
}
