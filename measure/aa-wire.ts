import type { AaelEvent } from './record.js';

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
