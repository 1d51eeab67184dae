import { extendValue, type HashAlg } from '../alg.js';
import { MeasureError } from '../errors.js';
import { initialValueFor, type Register } from '../register.js';
import { pcrExtend, pcrRead, quote, type RawQuote } from './commands.js';
import { TPM_PCR_COUNT } from './constants.js';
import type { PcrSelection } from './marshal.js';
import type { TpmTransport } from './transport.js';

/** Ward's default PCR: 23 is resettable and usable at locality 0; PCR 17 needs locality 2–4. */
export const DEFAULT_TPM_PCR = 23;

/** One bank of one TPM PCR, driven by Ward's own TPM2 commands. */
export class TpmRegister implements Register {
  readonly hardwareRoot = true;
  readonly description: string;

  /** @param pcr 0..23. @param transport the device or swtpm socket. */
  constructor(
    readonly spec: string,
    readonly alg: HashAlg,
    readonly mrIndex: number,
    private readonly transport: TpmTransport,
  ) {
    if (!Number.isInteger(mrIndex) || mrIndex < 0 || mrIndex >= TPM_PCR_COUNT) {
      throw new MeasureError(
        'ERR_MEASURE_BAD_INPUT',
        `PCR ${mrIndex} does not exist (0..${TPM_PCR_COUNT - 1})`,
      );
    }
    this.description = `TPM PCR ${mrIndex} ${alg.name} bank via ${transport.name}`;
  }

  initialValue(): Buffer {
    return initialValueFor(this.alg, this.mrIndex, true);
  }

  read(): Promise<Buffer> {
    return pcrRead(this.transport, this.mrIndex, this.alg.tpmId);
  }

  async extend(eventDigest: Buffer): Promise<void> {
    if (eventDigest.length !== this.alg.size) {
      throw new MeasureError(
        'ERR_MEASURE_REGISTER',
        `digest of ${eventDigest.length} bytes for the ${this.alg.name} bank`,
      );
    }
    await pcrExtend(this.transport, this.mrIndex, this.alg.tpmId, eventDigest);
  }

  /** Extends another PCR of the same TPM (init-data goes to PCR 8, as CoCo does). */
  async extendPcr(pcr: number, alg: HashAlg, eventDigest: Buffer): Promise<void> {
    await pcrExtend(this.transport, pcr, alg.tpmId, eventDigest);
  }

  /** Reads another PCR of the same TPM. */
  readPcr(pcr: number, alg: HashAlg): Promise<Buffer> {
    return pcrRead(this.transport, pcr, alg.tpmId);
  }

  /** TPM2_Quote over `selection` with the key at `keyHandle` (e.g. a persistent AK 0x81010002). */
  quote(keyHandle: number, nonce: Buffer, selection: readonly PcrSelection[]): Promise<RawQuote> {
    return quote(this.transport, keyHandle, nonce, selection);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}

/** The value a PCR holds after extending `digests` from its initial value (for tests and verifiers). */
export function expectedPcr(alg: HashAlg, pcr: number, digests: readonly Buffer[]): Buffer {
  let v = initialValueFor(alg, pcr, true);
  for (const d of digests) v = extendValue(alg, v, d);
  return v;
}
