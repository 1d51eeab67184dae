import { createHash, hash } from 'node:crypto';
import { MeasureError } from './errors.js';
import { wasmSha, wasmShaRange } from './wasm-sha512.js';

/** A hash algorithm the log and registers support, with its TCG algorithm id and digest size. */
export interface HashAlg {
  /** Ward's name, also node's `createHash` name. */
  readonly name: 'sha256' | 'sha384' | 'sha512';
  /** TPM_ALG_ID (TPM 2.0 Part 2, table 9). */
  readonly tpmId: number;
  /** Digest size in bytes. */
  readonly size: number;
}

/** TPM_ALG_SHA256. */
export const SHA256: HashAlg = { name: 'sha256', tpmId: 0x000b, size: 32 };
/** TPM_ALG_SHA384. */
export const SHA384: HashAlg = { name: 'sha384', tpmId: 0x000c, size: 48 };
/** TPM_ALG_SHA512. */
export const SHA512: HashAlg = { name: 'sha512', tpmId: 0x000d, size: 64 };

const BY_NAME = new Map<string, HashAlg>([
  ['sha256', SHA256],
  ['sha384', SHA384],
  ['sha512', SHA512],
  ['sha-256', SHA256],
  ['sha-384', SHA384],
  ['sha-512', SHA512],
]);
const BY_ID = new Map<number, HashAlg>([SHA256, SHA384, SHA512].map((a) => [a.tpmId, a]));

/** Looks an algorithm up by name (`sha384`, `SHA-384`); throws ERR_MEASURE_ALGORITHM. */
export function algByName(name: string): HashAlg {
  const alg = BY_NAME.get(name.toLowerCase());
  if (!alg) throw new MeasureError('ERR_MEASURE_ALGORITHM', `unsupported hash algorithm '${name}'`);
  return alg;
}

/** Looks an algorithm up by TPM_ALG_ID, or undefined when Ward does not know it. */
export function algById(id: number): HashAlg | undefined {
  return BY_ID.get(id);
}

/** Digest of `data` with `alg`. */
export function digest(alg: HashAlg, ...data: readonly Uint8Array[]): Buffer {
  if (alg.name !== 'sha256') {
    const w = wasmSha(alg.name, data);
    if (w) return w;
  }
  // One-shot hashing is markedly faster for the small inputs replay hashes a million times.
  if (data.length === 1) return hash(alg.name, data[0]!, 'buffer');
  const h = createHash(alg.name);
  for (const d of data) h.update(d);
  return h.digest();
}

/** The extend operation shared by PCRs and RTMRs: new = H(old || digest). */
export function extendValue(alg: HashAlg, old: Uint8Array, eventDigest: Uint8Array): Buffer {
  if (alg.name !== 'sha256')
    return (
      wasmSha(alg.name, [old, eventDigest]) ?? hash(alg.name, Buffer.concat([old, eventDigest]), 'buffer')
    );
  return hash(alg.name, Buffer.concat([old, eventDigest]), 'buffer');
}

/** Lower-case hex of bytes. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Parses hex (optional 0x prefix) into bytes; throws ERR_MEASURE_BAD_INPUT on bad digits. */
export function fromHex(s: string, what = 'value'): Buffer {
  const t = s.trim().replace(/^0x/i, '');
  if (t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) {
    throw new MeasureError('ERR_MEASURE_BAD_INPUT', `${what} is not valid hex`);
  }
  return Buffer.from(t, 'hex');
}

/** H(src[start, end)) without slicing when the WebAssembly engine can take it. */
export function digestRange(alg: HashAlg, src: Buffer, start: number, end: number): Buffer {
  if (alg.name !== 'sha256') {
    const w = wasmShaRange(alg.name, undefined, src, start, end);
    if (w) return w;
  }
  return hash(alg.name, src.subarray(start, end), 'buffer');
}

/** Extend with the digest stored at src[start, start + alg.size): H(old || digest). */
export function extendRange(alg: HashAlg, old: Uint8Array, src: Buffer, start: number): Buffer {
  if (alg.name !== 'sha256') {
    const w = wasmShaRange(alg.name, old, src, start, start + alg.size);
    if (w) return w;
  }
  return hash(alg.name, Buffer.concat([old, src.subarray(start, start + alg.size)]), 'buffer');
}
