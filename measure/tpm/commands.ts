import { MeasureError } from '../errors.js';
import {
  TPM_ALG_NULL,
  TPM_CC_PCR_EXTEND,
  TPM_CC_PCR_READ,
  TPM_CC_QUOTE,
  TPM_MAX_RETRIES,
  TPM_RC_RETRYABLE,
  TPM_RC_SUCCESS,
  TPM_RS_PW,
  TPM_ST_NO_SESSIONS,
  TPM_ST_SESSIONS,
} from './constants.js';
import { type PcrSelection, readPcrSelection, TpmReader, TpmWriter, writePcrSelection } from './marshal.js';
import type { TpmTransport } from './transport.js';

/** Builds a command: header (tag, size, code), handles, optional password session, parameters. */
function command(code: number, handles: readonly number[], withAuth: boolean, params: Buffer): Buffer {
  const w = new TpmWriter();
  for (const h of handles) w.u32(h);
  if (withAuth) {
    // TPMS_AUTH_COMMAND: TPM_RS_PW, empty nonce, attributes 0 (continueSession irrelevant for PW), empty password.
    const auth = new TpmWriter().u32(TPM_RS_PW).u16(0).u8(0).u16(0).done();
    w.u32(auth.length).bytes(auth);
  }
  const body = w.bytes(params).done();
  return new TpmWriter()
    .u16(withAuth ? TPM_ST_SESSIONS : TPM_ST_NO_SESSIONS)
    .u32(10 + body.length)
    .u32(code)
    .bytes(body)
    .done();
}

/** Sends a command, retrying TPM warnings that ask for it; returns the response after the header. */
async function run(t: TpmTransport, cmd: Buffer, name: string): Promise<{ tag: number; body: Buffer }> {
  for (let attempt = 0; ; attempt++) {
    const resp = await t.transmit(cmd);
    if (resp.length < 10) throw new MeasureError('ERR_MEASURE_TPM', `${name}: short response`);
    const tag = resp.readUInt16BE(0);
    const size = resp.readUInt32BE(2);
    const rc = resp.readUInt32BE(6);
    if (size !== resp.length) throw new MeasureError('ERR_MEASURE_TPM', `${name}: response size mismatch`);
    if (rc === TPM_RC_SUCCESS) return { tag, body: resp.subarray(10) };
    if (TPM_RC_RETRYABLE.has(rc) && attempt < TPM_MAX_RETRIES) continue;
    throw new MeasureError('ERR_MEASURE_TPM', `${name} failed: TPM_RC 0x${rc.toString(16).padStart(8, '0')}`);
  }
}

/** TPM2_PCR_Extend of one bank of one PCR, under a password session. */
export async function pcrExtend(
  t: TpmTransport,
  pcr: number,
  hashAlg: number,
  eventDigest: Buffer,
): Promise<void> {
  const params = new TpmWriter().u32(1).u16(hashAlg).bytes(eventDigest).done();
  await run(t, command(TPM_CC_PCR_EXTEND, [pcr], true, params), 'TPM2_PCR_Extend');
}

/** TPM2_PCR_Read of one PCR in one bank. */
export async function pcrRead(t: TpmTransport, pcr: number, hashAlg: number): Promise<Buffer> {
  const w = new TpmWriter();
  writePcrSelection(w, [{ hashAlg, pcrs: [pcr] }]);
  const { body } = await run(t, command(TPM_CC_PCR_READ, [], false, w.done()), 'TPM2_PCR_Read');
  const r = new TpmReader(body, 'TPM2_PCR_Read response');
  r.u32(); // pcrUpdateCounter
  const sel = readPcrSelection(r);
  const n = r.u32();
  if (n !== 1 || sel.length !== 1 || sel[0]?.pcrs[0] !== pcr) {
    throw new MeasureError(
      'ERR_MEASURE_TPM',
      `PCR ${pcr} is not allocated in bank 0x${hashAlg.toString(16)}`,
    );
  }
  return r.tpm2b();
}

/** What TPM2_Quote returns: the TPMS_ATTEST bytes and the TPMT_SIGNATURE bytes. */
export interface RawQuote {
  readonly attest: Buffer;
  readonly signature: Buffer;
}

/** TPM2_Quote with a signing key handle (e.g. a persistent AK), under a password session. */
export async function quote(
  t: TpmTransport,
  keyHandle: number,
  nonce: Buffer,
  selection: readonly PcrSelection[],
): Promise<RawQuote> {
  const w = new TpmWriter().tpm2b(nonce).u16(TPM_ALG_NULL);
  writePcrSelection(w, selection);
  const { body } = await run(t, command(TPM_CC_QUOTE, [keyHandle], true, w.done()), 'TPM2_Quote');
  const r = new TpmReader(body, 'TPM2_Quote response');
  const paramSize = r.u32();
  const params = new TpmReader(r.bytes(paramSize), 'TPM2_Quote parameters');
  const attest = params.tpm2b();
  const sigAlg = params.u16();
  // TPMT_SIGNATURE for RSA and ECC schemes: hash alg then one or two TPM2B values.
  const hashAlg = params.u16();
  const first = params.tpm2b();
  const sw = new TpmWriter().u16(sigAlg).u16(hashAlg).tpm2b(first);
  if (params.remaining() > 0) sw.tpm2b(params.tpm2b());
  return { attest, signature: sw.done() };
}
