import { type Client, dial } from '../proto/ttrpc/index.js';
import { AA_EXTEND_METHOD, AA_SERVICE, AA_TIMEOUT_MS, encodeExtendRequest } from './aa-wire.js';
import type { HashAlg } from './alg.js';
import { MeasureError } from './errors.js';
import type { AaelEvent } from './record.js';
import { initialValueFor, type Register } from './register.js';

/**
 * The CoCo Attestation Agent as a register, for guests where the AA owns the AAEL and the TEE
 * register: each event goes to `ExtendRuntimeMeasurement` and the AA computes the same digest.
 * The AA offers no way to read the register back, so Ward's own log is a mirror that recovery
 * can repair structurally but not compare; the verifier replays the AA's log against evidence.
 */
export class AaRegister implements Register {
  readonly hardwareRoot = true;
  readonly readable = false;
  readonly description: string;
  private client: Client | undefined;

  /** @param address ttrpc address, e.g. unix:///run/confidential-containers/attestation-agent/attestation-agent.sock. */
  constructor(
    readonly spec: string,
    private readonly address: string,
    readonly alg: HashAlg,
    readonly mrIndex: number,
    private readonly registerIndex?: number,
  ) {
    this.description = `CoCo Attestation Agent at ${address} (AA owns the log and the register)`;
  }

  initialValue(): Buffer {
    return initialValueFor(this.alg, this.mrIndex, false);
  }

  read(): Promise<Buffer> {
    return Promise.reject(
      new MeasureError('ERR_MEASURE_UNAVAILABLE', 'the Attestation Agent does not expose register values'),
    );
  }

  extend(): Promise<void> {
    return Promise.reject(
      new MeasureError('ERR_MEASURE_REGISTER', 'the Attestation Agent extends events, not digests'),
    );
  }

  async extendEvent(ev: AaelEvent): Promise<void> {
    try {
      this.client ??= await dial(this.address);
      await this.client.call(AA_SERVICE, AA_EXTEND_METHOD, encodeExtendRequest(ev, this.registerIndex), {
        timeoutMs: AA_TIMEOUT_MS,
      });
    } catch (err) {
      this.client?.close();
      this.client = undefined;
      throw new MeasureError(
        'ERR_MEASURE_REGISTER',
        `Attestation Agent refused the event: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  async close(): Promise<void> {
    this.client?.close();
    this.client = undefined;
  }
}
