import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { algById, digest, type HashAlg, hex } from './alg.js';
import { MeasureError } from './errors.js';
import {
  TPM_ALG_ECDSA,
  TPM_ALG_RSAPSS,
  TPM_ALG_RSASSA,
  TPM_GENERATED_VALUE,
  TPM_ST_ATTEST_QUOTE,
} from './tpm/constants.js';
import { type PcrSelection, readPcrSelection, TpmReader } from './tpm/marshal.js';

/** A parsed TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE. */
export interface QuoteInfo {
  readonly extraData: Buffer;
  readonly selection: readonly PcrSelection[];
  readonly pcrDigest: Buffer;
}

/** A parsed TPMT_SIGNATURE. */
export interface QuoteSignature {
  readonly sigAlg: number;
  readonly hash: HashAlg;
  readonly parts: readonly Buffer[];
}

const fail = (msg: string): MeasureError => new MeasureError('ERR_MEASURE_QUOTE', msg);

/** Parses TPMS_ATTEST (the `-m` file of tpm2_quote); checks magic and type. */
export function parseAttest(buf: Buffer): QuoteInfo {
  const r = new TpmReader(buf, 'TPMS_ATTEST');
  if (r.u32() !== TPM_GENERATED_VALUE)
    throw fail('quote magic is not TPM_GENERATED_VALUE (not produced by a TPM)');
  if (r.u16() !== TPM_ST_ATTEST_QUOTE)
    throw fail('attestation is not a quote (type is not TPM_ST_ATTEST_QUOTE)');
  r.tpm2b(); // qualifiedSigner
  const extraData = r.tpm2b();
  r.bytes(17); // TPMS_CLOCK_INFO: clock u64, resetCount u32, restartCount u32, safe u8
  r.u64(); // firmwareVersion
  const selection = readPcrSelection(r);
  const pcrDigest = r.tpm2b();
  return { extraData, selection, pcrDigest };
}

/** Parses a TPMT_SIGNATURE (the `-s` file of tpm2_quote in its default tss format). */
export function parseSignature(buf: Buffer): QuoteSignature {
  const r = new TpmReader(buf, 'TPMT_SIGNATURE');
  const sigAlg = r.u16();
  const hash = algById(r.u16());
  if (!hash) throw fail('signature uses an unsupported hash algorithm');
  if (sigAlg === TPM_ALG_RSASSA || sigAlg === TPM_ALG_RSAPSS) return { sigAlg, hash, parts: [r.tpm2b()] };
  if (sigAlg === TPM_ALG_ECDSA) return { sigAlg, hash, parts: [r.tpm2b(), r.tpm2b()] };
  throw fail(`unsupported signature scheme 0x${sigAlg.toString(16)}`);
}

/** Loads an AK public key in PEM (tpm2_readpublic -f pem, tpm2_createak -f pem). */
export function loadAkPublic(pem: Buffer | string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw fail(`AK public key is not a PEM public key: ${(err as Error).message}`);
  }
}

/** Verifies the quote signature over the TPMS_ATTEST bytes with the AK public key. */
export function verifySignature(attest: Buffer, sig: QuoteSignature, key: KeyObject): boolean {
  if (sig.sigAlg === TPM_ALG_ECDSA) {
    const size = Math.max(sig.parts[0]!.length, sig.parts[1]!.length);
    const raw = Buffer.concat(sig.parts.map((p) => Buffer.concat([Buffer.alloc(size - p.length), p])));
    return verify(sig.hash.name, attest, { key, dsaEncoding: 'ieee-p1363' }, raw);
  }
  if (sig.sigAlg === TPM_ALG_RSAPSS) {
    return verify(
      sig.hash.name,
      attest,
      { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: sig.hash.size },
      sig.parts[0]!,
    );
  }
  return verify(sig.hash.name, attest, key, sig.parts[0]!);
}

/**
 * Parses the `-o` PCR file of tpm2_quote. tpm2-tools 5.x writes its in-memory structs
 * ("serialized" format): TPML_PCR_SELECTION (132 bytes), a u32 count, then that many
 * TPML_DIGEST (532 bytes each), host byte order. The `-F values` format (digests back to back)
 * is accepted too when `selection` says how to split it.
 */
export function parsePcrFile(buf: Buffer, selection: readonly PcrSelection[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const order = selection.flatMap((s) => s.pcrs.map((p) => ({ alg: s.hashAlg, pcr: p })));
  const SEL = 132;
  const DIG = 532;
  if (
    buf.length >= SEL + 4 &&
    (buf.length - SEL - 4) % DIG === 0 &&
    buf.readUInt32LE(SEL) === (buf.length - SEL - 4) / DIG
  ) {
    const values: Buffer[] = [];
    for (let i = 0; i < buf.readUInt32LE(SEL); i++) {
      const base = SEL + 4 + i * DIG;
      const count = buf.readUInt32LE(base);
      for (let j = 0; j < Math.min(count, 8); j++) {
        const at = base + 4 + j * 66;
        values.push(buf.subarray(at + 2, at + 2 + buf.readUInt16LE(at)));
      }
    }
    if (values.length !== order.length)
      throw fail(`PCR file has ${values.length} values for ${order.length} selected PCRs`);
    for (const [i, o] of order.entries()) out.set(`${o.alg}:${o.pcr}`, Buffer.from(values[i]!));
    return out;
  }
  let off = 0;
  for (const o of order) {
    const size = algById(o.alg)?.size;
    if (!size || off + size > buf.length) throw fail('PCR file does not match the quoted selection');
    out.set(`${o.alg}:${o.pcr}`, Buffer.from(buf.subarray(off, off + size)));
    off += size;
  }
  if (off !== buf.length) throw fail('PCR file has trailing bytes');
  return out;
}

/** Inputs of a quote check: the three tpm2_quote files, the AK, the nonce and the replayed PCRs. */
export interface QuoteCheck {
  readonly message: Buffer;
  readonly signature: Buffer;
  readonly pcrs?: Buffer;
  readonly akPem: Buffer | string;
  readonly nonce: Buffer;
  /** Replayed values that must be in the quote: `${algId}:${pcr}` → value. */
  readonly replayed: ReadonlyMap<string, Buffer>;
}

/**
 * Verifies a TPM quote against replayed PCR values: magic and type, nonce, signature with the
 * AK, every replayed PCR selected and equal to the PCR file's value, and the quote's PCR digest
 * equal to the hash of the selected values (the PCR file supplies PCRs the log does not cover).
 * Returns nothing; throws ERR_MEASURE_QUOTE naming the first failed check.
 */
export function verifyQuote(c: QuoteCheck): void {
  const info = parseAttest(c.message);
  if (!info.extraData.equals(c.nonce))
    throw fail(`quote nonce ${hex(info.extraData)} is not the expected ${hex(c.nonce)}`);
  const sig = parseSignature(c.signature);
  if (!verifySignature(c.message, sig, loadAkPublic(c.akPem)))
    throw fail('quote signature does not verify with the AK public key');
  const file = c.pcrs ? parsePcrFile(c.pcrs, info.selection) : new Map<string, Buffer>();
  for (const [key, v] of c.replayed) {
    const [alg, pcr] = key.split(':').map(Number) as [number, number];
    if (!info.selection.some((s) => s.hashAlg === alg && s.pcrs.includes(pcr)))
      throw fail(`quote does not cover PCR ${pcr}`);
    const f = file.get(key);
    if (f && !f.equals(v))
      throw fail(`PCR ${pcr}: quoted value ${hex(f)} differs from the replayed ${hex(v)}`);
    file.set(key, v);
  }
  const values: Buffer[] = [];
  for (const s of info.selection) {
    for (const p of s.pcrs) {
      const v = file.get(`${s.hashAlg}:${p}`);
      if (!v) throw fail(`value of quoted PCR ${p} unknown (pass the PCR file)`);
      values.push(v);
    }
  }
  if (!digest(sig.hash, ...values).equals(info.pcrDigest)) {
    throw fail('quote PCR digest does not match the replayed PCR values');
  }
}
