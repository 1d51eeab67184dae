import type { FileHandle } from 'node:fs/promises';
import { hex } from './alg.js';
import { MeasureError } from './errors.js';
import { type ParsedLog, parseLog } from './record.js';
import type { Register } from './register.js';
import { compareRegister, replay } from './replay.js';
import { clearWal, decodeWal } from './wal.js';

/** What recovery did, for logs and tests. */
export interface RecoveryReport {
  /** Events of a pending commit that recovery wrote to the log (they had reached the register). */
  readonly completed: number;
  /** Events of a pending commit that were discarded (never reached the register). */
  readonly discarded: number;
  /** Bytes of a torn tail that were cut off. */
  readonly tornBytes: number;
}

/**
 * Brings a log and its register back into agreement after any crash, or fails closed.
 * 1. A whole WAL entry describes the last commit, which may have been in flight: the register
 *    tells how many of its events were extended (its value equals the prior value or one of the expected values); exactly
 *    those are written at the recorded offset, the rest are dropped (they were never
 *    acknowledged, since acknowledgement follows the log fsync).
 * 2. A torn last record (or a zero-filled tail) is cut off.
 * 3. The replayed log must then equal the register; otherwise the log is refused.
 */
export async function recover(
  log: FileHandle,
  walFh: FileHandle,
  register: Register,
): Promise<{ parsed: ParsedLog; value: Buffer; report: RecoveryReport }> {
  let completed = 0;
  let discarded = 0;
  let tornBytes = 0;
  // An unreadable register (the Attestation Agent) is trusted to have taken every event of a
  // pending commit: its own log is authoritative and Ward's is a mirror.
  const readable = register.readable !== false;
  let bytes = await log.readFile();
  const parsedBefore = parseLog(bytes);
  let current = readable ? await register.read() : mirrorValue(parsedBefore, register);
  const wal = decodeWal(await walFh.readFile());
  if (wal) {
    if (wal.alg !== register.alg)
      throw new MeasureError('ERR_MEASURE_ALGORITHM', 'pending write-ahead record is for another algorithm');
    let k = readable ? -1 : wal.events.length;
    for (let i = wal.events.length; i >= 1 && k < 0; i--)
      if (wal.events[i - 1]!.expected.equals(current)) k = i;
    if (k < 0 && wal.prior.equals(current)) k = 0;
    if (!readable) current = wal.events.at(-1)?.expected ?? current;
    if (k < 0) {
      throw new MeasureError(
        'ERR_MEASURE_MISMATCH',
        `register holds ${hex(current)}, which neither the log nor its pending write-ahead record explains`,
      );
    }
    const before = parseLog(bytes.subarray(0, wal.offset));
    if (wal.offset > bytes.length || before.tail !== 'clean') {
      throw new MeasureError(
        'ERR_MEASURE_LOG_CORRUPT',
        'log is damaged before the pending write-ahead record',
      );
    }
    const keep = Buffer.concat(wal.events.slice(0, k).map((e) => e.record));
    discarded = wal.events.length - k;
    // A commit leaves its entry behind when it completes: then the log already holds these
    // records at that offset (a torn record after them is the next step's business).
    if (!bytes.subarray(wal.offset, wal.offset + keep.length).equals(keep)) {
      await log.truncate(wal.offset);
      if (keep.length > 0) await log.write(keep, 0, keep.length, wal.offset);
      await log.datasync();
      completed = k;
      bytes = Buffer.concat([bytes.subarray(0, wal.offset), keep]);
    }
  }
  await clearWal(walFh);
  let parsed = parseLog(bytes);
  if (parsed.tail !== 'clean') {
    const tail = bytes.subarray(parsed.validEnd);
    if (parsed.tail === 'torn' || tail.every((b) => b === 0)) {
      tornBytes = tail.length;
      await log.truncate(parsed.validEnd);
      await log.datasync();
      parsed = parseLog(bytes.subarray(0, parsed.validEnd));
    } else {
      throw new MeasureError(
        'ERR_MEASURE_LOG_CORRUPT',
        `log is corrupt: ${parsed.problem ?? 'unreadable record'}`,
      );
    }
  }
  const res = replay(parsed, {
    alg: register.alg,
    mrIndex: register.mrIndex,
    tpm: register.spec.startsWith('tpm:'),
  });
  const bad = compareRegister(res, register.mrIndex, current, register.initialValue());
  if (bad) throw new MeasureError('ERR_MEASURE_MISMATCH', `log and register disagree: ${bad}`);
  return { parsed, value: current, report: { completed, discarded, tornBytes } };
}

/** The value replaying a log's good records gives: what a register that cannot be read must hold. */
function mirrorValue(parsed: ParsedLog, register: Register): Buffer {
  const res = replay({ ...parsed, tail: 'clean' }, { alg: register.alg, mrIndex: register.mrIndex });
  return res.values.get(register.mrIndex) ?? register.initialValue();
}
