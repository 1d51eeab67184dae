import { digest, digestRange, extendRange, extendValue, type HashAlg, hex } from './alg.js';
import { isCanonicalJson } from './jcs-check.js';
import { type LogRecord, newSlots, type ParsedLog, scanRecord } from './record.js';
import { initialValueFor } from './register.js';
import { WasmChain } from './wasm-sha512.js';

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
export function wardSequence(content: string | Buffer, from = 0, to?: number): number | undefined {
  const b = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const end = to ?? b.length;
  if (b[from] !== 0x7b /* { */) return undefined;
  let depth = 0;
  for (let i = from; i < end; i++) {
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
        while (j < end && b[j]! >= 0x30 && b[j]! <= 0x39 && j - start < 16) v = v * 10 + (b[j++]! - 0x30);
        return j > start ? v : undefined;
      }
      // Skip the string, honouring escapes.
      for (i++; i < end && b[i] !== 0x22; i++) if (b[i] === 0x5c) i++;
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

const MSG = {
  alg: (i: number, got: HashAlg, want: HashAlg) =>
    `record ${i}: ${got.name} digest in a ${want.name} log (log for another algorithm)`,
  mr: (i: number, got: number, want: number) => `record ${i}: MR index ${got}, expected ${want}`,
  digest: (i: number) => `record ${i}: digest does not match its event data`,
  noSeq: (i: number) => `record ${i}: content has no sequence number`,
  seq: (i: number, seq: number) =>
    `record ${i}: sequence ${seq} where ${i} was expected (record dropped, duplicated or reordered)`,
  jcs: (i: number) => `record ${i}: content is not RFC 8785 canonical JSON`,
};

function checkCanonical(index: number, content: Buffer, start: number, end: number): string | undefined {
  return isCanonicalJson(content, start, end) ? undefined : MSG.jcs(index);
}

function checkRecord(
  r: LogRecord,
  alg: HashAlg | undefined,
  mrIndex: number | undefined,
  ward: boolean,
  strict: boolean,
): string | undefined {
  if (alg && r.alg !== alg) return MSG.alg(r.index, r.alg, alg);
  if (mrIndex !== undefined && r.mrIndex !== mrIndex) return MSG.mr(r.index, r.mrIndex, mrIndex);
  if (!digest(r.alg, r.eventData).equals(r.digest)) return MSG.digest(r.index);
  if (!ward) return undefined;
  const seq = wardSequence(r.contentBytes ?? r.content);
  if (seq === undefined) return MSG.noSeq(r.index);
  if (seq !== r.index) return MSG.seq(r.index, seq);
  if (!strict) return undefined;
  const bytes = r.contentBytes ?? Buffer.from(r.content, 'utf8');
  return checkCanonical(r.index, bytes, 0, bytes.length);
}

/**
 * {@link replay} of {@link parseLog}'s result in one pass over the bytes, with the same checks
 * and messages, but without building a record object per record: the verifier's path.
 */
export function replayBytes(buf: Buffer, opts: ReplayOptions = {}): ReplayResult {
  const values = new Map<number, Buffer>();
  const s = newSlots();
  let alg = opts.alg;
  let ward = false;
  let n = 0;
  let off = 0;
  // The WebAssembly chain keeps the current MR index's value in its memory.
  let chain: WasmChain | undefined;
  let chainMr = -1;
  const flush = (): void => {
    if (chain && chainMr >= 0) values.set(chainMr, chain.value());
  };
  const stop = (message: string): ReplayResult => {
    flush();
    return { alg, values, replayed: n, problem: { index: n, message } };
  };
  while (off < buf.length) {
    const bad = scanRecord(buf, off, n, s);
    if (bad !== undefined) return stop(bad);
    const ra = s.alg!;
    if (n === 0) {
      alg ??= ra;
      ward = wardSequence(buf, s.contentAt, s.end) !== undefined;
      if (ra.name !== 'sha256') chain = WasmChain.open(ra.name, buf);
    }
    if (alg && ra !== alg) return stop(MSG.alg(n, ra, alg));
    if (opts.mrIndex !== undefined && s.mrIndex !== opts.mrIndex)
      return stop(MSG.mr(n, s.mrIndex, opts.mrIndex));
    const mr = s.mrIndex;
    if (chain) {
      if (mr !== chainMr) {
        flush();
        chain.setValue(values.get(mr) ?? initialValueFor(ra, mr, opts.tpm ?? false));
        chainMr = mr;
      }
      if (!chain.step(s.digestAt, s.dataAt, s.end)) return stop(MSG.digest(n));
    } else {
      if (digestRange(ra, buf, s.dataAt, s.end).compare(buf, s.digestAt, s.digestAt + ra.size) !== 0) {
        return stop(MSG.digest(n));
      }
      const old = values.get(mr) ?? initialValueFor(ra, mr, opts.tpm ?? false);
      values.set(mr, extendRange(ra, old, buf, s.digestAt));
    }
    if (ward) {
      const seq = wardSequence(buf, s.contentAt, s.end);
      if (seq === undefined) return stop(MSG.noSeq(n));
      if (seq !== n) return stop(MSG.seq(n, seq));
      if (opts.canonical ?? true) {
        const bad2 = checkCanonical(n, buf, s.contentAt, s.end);
        if (bad2) return stop(bad2);
      }
    }
    n++;
    off += s.length;
  }
  flush();
  return { alg, values, replayed: n };
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
