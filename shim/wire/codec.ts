import { decode, encode, methodSpec } from '../../proto/index.js';

type Json = Record<string, unknown>;

/** Encodes a plain object as the named message (strictly checked by ward/proto). */
export const encodeMessage = encode as unknown as (name: string, value: unknown) => Uint8Array;

/** Decodes bytes as the named message (64-bit integers as bigint). */
export const decodeMessage = decode as unknown as (name: string, bytes: Uint8Array) => Json;

/** Request and response message names of `service/method`. */
export function methodTypes(service: string, method: string): { request: string; response: string } {
  const spec = methodSpec(service, method) as unknown as { requestType: string; responseType: string };
  return { request: spec.requestType, response: spec.responseType };
}

/** Any number-like decoded value (bigint for 64-bit fields) as a JS number. */
export function num(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  return 0;
}
