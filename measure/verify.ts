import { type HashAlg, hex } from './alg.js';
import { MeasureError } from './errors.js';
import { initialValueFor } from './register.js';
import { compareRegister, replayBytes } from './replay.js';

/** What a successful verification established. */
export interface VerifySummary {
  readonly records: number;
  readonly alg: HashAlg | undefined;
  readonly mrIndex: number | undefined;
  /** Replayed value per MR index. */
  readonly values: ReadonlyMap<number, Buffer>;
}

/** What the log is checked against; every field optional. */
export interface VerifyTarget {
  readonly alg?: HashAlg;
  readonly mrIndex?: number;
  /** MR indexes are TPM PCRs (PCRs 17–22 start at 0xFF…). */
  readonly tpm?: boolean;
  /** The register value the replay must end at. */
  readonly expected?: Buffer;
}

/**
 * Replays a whole log and checks it against a target. Throws ERR_MEASURE_MISMATCH naming the
 * first record that breaks (or saying that records are missing at the end).
 */
export function verifyLogBytes(bytes: Buffer, target: VerifyTarget = {}): VerifySummary {
  const mrIndex = target.mrIndex ?? (bytes.length >= 4 ? bytes.readUInt32LE(0) : undefined);
  const res = replayBytes(bytes, {
    ...(target.alg ? { alg: target.alg } : {}),
    ...(mrIndex !== undefined ? { mrIndex } : {}),
    tpm: target.tpm ?? false,
  });
  if (res.problem) throw new MeasureError('ERR_MEASURE_MISMATCH', res.problem.message);
  if (target.expected) {
    const alg = target.alg ?? res.alg;
    if (!alg) throw new MeasureError('ERR_MEASURE_BAD_INPUT', 'empty log: give the register algorithm');
    if (target.expected.length !== alg.size) {
      throw new MeasureError(
        'ERR_MEASURE_ALGORITHM',
        `expected value has ${target.expected.length} bytes; the log is ${alg.name}`,
      );
    }
    const mr = mrIndex ?? 0;
    const bad = compareRegister(res, mr, target.expected, initialValueFor(alg, mr, target.tpm ?? false));
    if (bad) throw new MeasureError('ERR_MEASURE_MISMATCH', bad);
  }
  return { records: res.replayed, alg: res.alg, mrIndex, values: res.values };
}

/** One line describing a summary, e.g. for `ward log verify`. */
export function describeSummary(s: VerifySummary): string {
  const v = s.mrIndex !== undefined ? s.values.get(s.mrIndex) : undefined;
  return `${s.records} records, ${s.alg?.name ?? 'no algorithm'}, MR index ${s.mrIndex ?? '-'}: ${v ? hex(v) : 'initial value'}`;
}
