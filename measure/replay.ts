import { digest, extendValue, type HashAlg, hex } from './alg.js';
import { isCanonicalJson } from './jcs-check.js';
import type { LogRecord, ParsedLog } from './record.js';
import { initialValueFor } from './register.js';
import { MSG, wardSequence } from './replay-check.js';
import { defaultReplayWorkers, replayParallel } from './replay-parallel.js';
import { replaySerial } from './replay-serial.js';

export { wardSequence } from './replay-check.js';
export { defaultReplayWorkers, PARALLEL_REPLAY_MIN_BYTES } from './replay-parallel.js';

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
  /**
   * Worker threads for {@link replayBytes}' per-record checks; 0 replays single-threaded. The
   * result is the same either way. Default: one per spare core for logs of at least
   * PARALLEL_REPLAY_MIN_BYTES, else 0.
   */
  readonly workers?: number;
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
  if (alg && r.alg !== alg) return MSG.alg(r.index, r.alg, alg);
  if (mrIndex !== undefined && r.mrIndex !== mrIndex) return MSG.mr(r.index, r.mrIndex, mrIndex);
  if (!digest(r.alg, r.eventData).equals(r.digest)) return MSG.digest(r.index);
  if (!ward) return undefined;
  const seq = wardSequence(r.contentBytes ?? r.content);
  if (seq === undefined) return MSG.noSeq(r.index);
  if (seq !== r.index) return MSG.seq(r.index, seq);
  if (!strict) return undefined;
  const bytes = r.contentBytes ?? Buffer.from(r.content, 'utf8');
  return isCanonicalJson(bytes, 0, bytes.length) ? undefined : MSG.jcs(r.index);
}

/**
 * {@link replay} of {@link parseLog}'s result in one pass over the bytes, with the same checks
 * and messages, but without building a record object per record: the verifier's path. Large
 * logs are checked by worker threads while this thread runs the extend chain (see
 * replay-parallel.ts); `opts.workers` chooses.
 */
export function replayBytes(buf: Buffer, opts: ReplayOptions = {}): ReplayResult {
  const workers = opts.workers ?? defaultReplayWorkers(buf.length);
  return (workers > 0 ? replayParallel(buf, opts, workers) : undefined) ?? replaySerial(buf, opts);
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
