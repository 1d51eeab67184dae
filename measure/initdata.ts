import { gunzipSync, gzipSync } from 'node:zlib';
import { parse as parseToml } from 'smol-toml';
import { algByName, digest, type HashAlg, SHA256 } from './alg.js';
import { MeasureError } from './errors.js';

/** Magic at the start of the init-data block device (kata-agent reads it from a virtio disk). */
export const INITDATA_MAGIC = Buffer.from('initdata', 'ascii');
/** Kata annotation carrying init-data as base64(gzip(TOML)). */
export const INITDATA_ANNOTATION = 'io.katacontainers.config.hypervisor.cc_init_data';
/** Largest decompressed init-data Ward accepts (guards against gzip bombs). */
export const MAX_INITDATA_SIZE = 1 << 20;
/** Sizes of the TEE fields the digest is bound to. */
export const TEE_FIELD_SIZE = { tdx: 48, snp: 32, tpm: 32, cca: 64 } as const;
/** The vTPM PCR CoCo extends with the init-data digest. */
export const INITDATA_PCR = 8;

/** Parsed init-data: the metadata, the `[data]` table and the exact bytes the digest covers. */
export interface InitData {
  readonly version: string;
  readonly algorithm: HashAlg;
  readonly data: Readonly<Record<string, string>>;
  readonly raw: Buffer;
}

const fail = (msg: string, cause?: unknown): MeasureError =>
  new MeasureError('ERR_MEASURE_INITDATA', msg, cause === undefined ? undefined : { cause });

/** Parses init-data TOML (`version`, `algorithm` sha256/sha384/sha512, `[data]` of strings). */
export function parseInitData(raw: Buffer): InitData {
  if (raw.length > MAX_INITDATA_SIZE) throw fail(`init-data larger than ${MAX_INITDATA_SIZE} bytes`);
  const text = raw.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(raw)) throw fail('init-data is not UTF-8');
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const first = (err as Error).message.split('\n')[0] ?? 'syntax error';
    throw fail(`init-data is not valid TOML: ${first}`, err);
  }
  const { version, algorithm, data } = doc;
  if (typeof version !== 'string' || version.length === 0) throw fail('init-data has no string `version`');
  if (typeof algorithm !== 'string') throw fail('init-data has no string `algorithm`');
  let alg: HashAlg;
  try {
    alg = algByName(algorithm);
  } catch {
    throw fail(`init-data algorithm '${algorithm}' is not sha256, sha384 or sha512`);
  }
  if (data === undefined) return { version, algorithm: alg, data: {}, raw };
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw fail('init-data `data` is not a table');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (typeof v !== 'string') throw fail(`init-data data.${k} is not a string`);
    out[k] = v;
  }
  return { version, algorithm: alg, data: out, raw };
}

/** The init-data digest: its algorithm over the exact bytes (encoding matters, per the spec). */
export function initDataDigest(init: InitData): Buffer {
  return digest(init.algorithm, init.raw);
}

/** Pads with zeros or truncates a digest to a TEE field's size. */
export function teeField(d: Buffer, size: number): Buffer {
  if (d.length >= size) return Buffer.from(d.subarray(0, size));
  return Buffer.concat([d, Buffer.alloc(size - d.length)]);
}

/** PCR 8's value after CoCo binds init-data on a fresh vTPM: sha256(0^32 || field). */
export function expectedInitDataPcr8(init: InitData): Buffer {
  return digest(SHA256, Buffer.alloc(32), teeField(initDataDigest(init), TEE_FIELD_SIZE.tpm));
}

function gunzip(b: Buffer, what: string): Buffer {
  try {
    return gunzipSync(b, { maxOutputLength: MAX_INITDATA_SIZE });
  } catch (err) {
    throw fail(`${what} is not valid gzip: ${(err as Error).message}`, err);
  }
}

/** Decodes the annotation value: base64 of gzip of the TOML. */
export function decodeAnnotation(value: string): Buffer {
  const t = value.trim();
  if (t.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) throw fail('annotation is not base64');
  return gunzip(Buffer.from(t, 'base64'), 'annotation');
}

/** Encodes TOML bytes as the annotation value. */
export function encodeAnnotation(raw: Buffer): string {
  return gzipSync(raw).toString('base64');
}

/** Decodes the block-device form: magic `initdata`, u64 LE length, gzip of the TOML. */
export function decodeBlockDevice(dev: Buffer): Buffer {
  if (dev.length < 16 || !dev.subarray(0, 8).equals(INITDATA_MAGIC))
    throw fail('not an init-data block device (no magic)');
  const len = dev.readBigUInt64LE(8);
  if (len > BigInt(dev.length - 16))
    throw fail(`init-data device claims ${len} bytes but holds ${dev.length - 16}`);
  return gunzip(dev.subarray(16, 16 + Number(len)), 'init-data device payload');
}

/** Encodes TOML bytes in the block-device form, padded to 512-byte sectors. */
export function encodeBlockDevice(raw: Buffer): Buffer {
  const gz = gzipSync(raw);
  const head = Buffer.alloc(16);
  INITDATA_MAGIC.copy(head);
  head.writeBigUInt64LE(BigInt(gz.length), 8);
  const body = Buffer.concat([head, gz]);
  return Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

/** Reads init-data from any of its three forms (block device, annotation value, TOML file). */
export function readInitData(input: Buffer): InitData {
  if (input.subarray(0, 8).equals(INITDATA_MAGIC)) return parseInitData(decodeBlockDevice(input));
  const text = input.toString('latin1').trim();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.startsWith('H4sI'))
    return parseInitData(decodeAnnotation(text));
  return parseInitData(input);
}
