import { hex, SHA256 } from './alg.js';
import { MeasureError } from './errors.js';
import { OP_INITDATA, WARD_DOMAIN } from './events.js';
import { INITDATA_PCR, type InitData, initDataDigest, TEE_FIELD_SIZE, teeField } from './initdata.js';
import type { AppendResult, MeasurementLog } from './log.js';
import type { TdxRegister } from './tdx.js';
import type { TpmRegister } from './tpm/register.js';

/** Hardware the init-data digest is bound to, where present. */
export interface InitDataBindings {
  /** Checks MRCONFIGID against the digest. */
  readonly tdx?: TdxRegister;
  /** Extends PCR 8 (sha256 bank) with the digest, as CoCo's TPM attester does. */
  readonly tpm?: TpmRegister;
}

/** What binding established. */
export interface InitDataBinding {
  readonly event: AppendResult;
  readonly digest: string;
  readonly mrConfigId: 'match' | 'unavailable';
  readonly pcr8Extended: boolean;
}

/**
 * Records init-data as the log's first event, after checking TDX MRCONFIGID (when a TD is
 * present; a mismatch is fatal) and extending vTPM PCR 8 with the digest padded or truncated to
 * 32 bytes, which leaves PCR 8 = sha256(0^32 || digest) on a fresh TPM.
 */
export async function bindInitData(
  log: MeasurementLog,
  init: InitData,
  hw: InitDataBindings = {},
): Promise<InitDataBinding> {
  if (log.nextSequence !== 0)
    throw new MeasureError('ERR_MEASURE_INITDATA', 'init-data must be the first event of the log');
  const d = initDataDigest(init);
  let mrConfigId: 'match' | 'unavailable' = 'unavailable';
  if (hw.tdx) {
    let v: Buffer | undefined;
    try {
      v = await hw.tdx.mrConfigId();
    } catch (err) {
      if ((err as MeasureError).code !== 'ERR_MEASURE_UNAVAILABLE') throw err;
    }
    if (v) {
      if (!v.equals(teeField(d, TEE_FIELD_SIZE.tdx))) {
        throw new MeasureError(
          'ERR_MEASURE_INITDATA',
          `MRCONFIGID ${hex(v)} is not the init-data digest ${hex(d)}`,
        );
      }
      mrConfigId = 'match';
    }
  }
  if (hw.tpm) await hw.tpm.extendPcr(INITDATA_PCR, SHA256, teeField(d, TEE_FIELD_SIZE.tpm));
  const event = await log.appendEvent(WARD_DOMAIN, OP_INITDATA, {
    version: init.version,
    algorithm: init.algorithm.name,
    digest: hex(d),
    keys: Object.keys(init.data).sort(),
    mrconfigid: mrConfigId,
    pcr8: hw.tpm ? 'extended' : 'none',
  });
  return { event, digest: hex(d), mrConfigId, pcr8Extended: hw.tpm !== undefined };
}
