import type { HashAlg } from './alg.js';
import type { AaelEvent } from './record.js';

/**
 * A measurement register the log is extended into: a TDX RTMR, a TPM PCR bank, the CoCo
 * Attestation Agent, or Ward's software register. One register = one MR index and one bank.
 */
export interface Register {
  /** The SPEC string it was opened from, for messages. */
  readonly spec: string;
  readonly alg: HashAlg;
  /** MR index written into every record (TDX: RTMR n → n+1; TPM: the PCR number). */
  readonly mrIndex: number;
  /** False for the software register: no hardware root of trust, and every output says so. */
  readonly hardwareRoot: boolean;
  /** One human line: what this register is. */
  readonly description: string;
  /** The register's value before any extend (zeros; 0xFF… for TPM PCRs 17–22). */
  initialValue(): Buffer;
  /** Reads the current value. */
  read(): Promise<Buffer>;
  /** Extends the register with an event digest of `alg.size` bytes. */
  extend(eventDigest: Buffer): Promise<void>;
  /**
   * Extends with several digests in order, as one durable step where the backend can (the
   * software register writes once); backends without it get one extend per digest.
   */
  extendMany?(eventDigests: readonly Buffer[]): Promise<void>;
  /**
   * extendMany done before returning, for backends where an extend is a write to memory-backed
   * storage (the software register on tmpfs): a commit then runs without an await in between.
   */
  readonly extendManyNow?: ((eventDigests: readonly Buffer[]) => void) | undefined;
  /**
   * For backends that measure the event text themselves (the Attestation Agent): called instead
   * of extend with the event; they compute the same digest.
   */
  extendEvent?(ev: AaelEvent): Promise<void>;
  /** False when the value cannot be read back (the Attestation Agent); recovery then cannot compare. */
  readonly readable?: boolean;
  /** Releases files and connections. */
  close(): Promise<void>;
}

/** Initial value of a register: 0xFF… for TPM PCRs 17–22 (the DRTM PCRs), zeros otherwise. */
export function initialValueFor(alg: HashAlg, mrIndex: number, tpmPcr: boolean): Buffer {
  return Buffer.alloc(alg.size, tpmPcr && mrIndex >= 17 && mrIndex <= 22 ? 0xff : 0);
}
