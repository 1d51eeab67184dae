import { newSlots, type RecordSlots, scanRecord } from './record.js';
import type { ReplayOptions, ReplayResult } from './replay.js';
import { checkRecordAt, openHasher, type RecordRules, RegisterValues, wardSequence } from './replay-check.js';

/**
 * The rules a byte-level replay applies, from the options and the first record (left in `s`);
 * or the whole result when the log is empty or its first record is unreadable.
 */
export function startReplay(
  buf: Buffer,
  opts: ReplayOptions,
  s: RecordSlots,
): { rules: RecordRules } | { result: ReplayResult } {
  if (buf.length === 0) return { result: { alg: opts.alg, values: new Map(), replayed: 0 } };
  const bad = scanRecord(buf, 0, 0, s);
  if (bad !== undefined) {
    return { result: { alg: opts.alg, values: new Map(), replayed: 0, problem: { index: 0, message: bad } } };
  }
  return {
    rules: {
      alg: opts.alg ?? s.alg!,
      mrIndex: opts.mrIndex,
      ward: wardSequence(buf, s.contentAt, s.end) !== undefined,
      canonical: opts.canonical ?? true,
    },
  };
}

/** The single-threaded byte-level replay: one pass, checks then extend, record by record. */
export function replaySerial(buf: Buffer, opts: ReplayOptions): ReplayResult {
  const s = newSlots();
  const start = startReplay(buf, opts, s);
  if ('result' in start) return start.result;
  const { rules } = start;
  const hasher = openHasher(rules.alg, buf);
  const regs = new RegisterValues(hasher, rules.alg, opts.tpm ?? false);
  let n = 0;
  let off = 0;
  while (off < buf.length) {
    const bad = checkRecordAt(buf, off, n, s, rules, hasher);
    if (bad !== undefined) {
      return { alg: rules.alg, values: regs.finish(), replayed: n, problem: { index: n, message: bad } };
    }
    regs.extend(s.mrIndex, s.digestAt);
    n++;
    off += s.length;
  }
  return { alg: rules.alg, values: regs.finish(), replayed: n };
}
