import { type Client, dial } from '../proto/ttrpc/index.js';
import type { HashAlg } from './alg.js';
import { MeasureError } from './errors.js';
import type { AaelEvent } from './record.js';
import { initialValueFor, type Register } from './register.js';

/** ttrpc service of CoCo's Attestation Agent. */
export const AA_SERVICE = 'attestation_agent.AttestationAgentService';
/** The AA method that appends to its AAEL and extends the TEE register. */
export const AA_EXTEND_METHOD = 'ExtendRuntimeMeasurement';
/** Milliseconds Ward waits for the AA before failing the measurement (closed). */
export const AA_TIMEOUT_MS = 30_000;

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}

function stringField(field: number, s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([varint((field << 3) | 2), varint(b.length), b]);
}

/**
 * ExtendRuntimeMeasurementRequest (guest-components attestation-agent.proto): Domain = 1,
 * Operation = 2, Content = 3 (strings), optional uint64 RegisterIndex = 4.
 */
export function encodeExtendRequest(ev: AaelEvent, registerIndex?: number): Buffer {
  const parts = [stringField(1, ev.domain), stringField(2, ev.operation), stringField(3, ev.content)];
  if (registerIndex !== undefined) parts.push(varint((4 << 3) | 0), varint(registerIndex));
  return Buffer.concat(parts);
}

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
