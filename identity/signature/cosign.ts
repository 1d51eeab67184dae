import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { IdentityError } from '../errors.js';
import type { ImageRef } from './image-ref.js';
import { repositoryOf } from './image-ref.js';

/** The `critical.type` of every cosign simple-signing payload. */
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';
/** Largest payload accepted; real ones are a few hundred bytes. */
export const MAX_COSIGN_PAYLOAD = 64 * 1024;

/** A cosign simple-signing signature: the raw payload bytes and the base64 signature over them. */
export interface CosignSignature {
  readonly payload: Uint8Array;
  readonly signature: string;
}

/** A successful verification: who signed, as a selector-ready string. */
export interface SignatureVerdict {
  readonly subject: string;
}

function sigError(message: string, cause?: unknown): IdentityError {
  return new IdentityError('ERR_IDENTITY_SIGNATURE', message, cause === undefined ? undefined : { cause });
}

/** Loads a PEM public key and insists on ECDSA P-256, the key type cosign generates. */
export function loadCosignPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw sigError('cosign public key is not a PEM public key', err);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw sigError('cosign public key must be ECDSA P-256');
  }
  return key;
}

/** `sha256:<hex>` of a key's SubjectPublicKeyInfo: the subject of key-based signatures. */
export function keyFingerprint(key: KeyObject): string {
  return `sha256:${createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw sigError(`payload ${what} is not an object`);
  return v as Record<string, unknown>;
}

/**
 * Checks a simple-signing payload against the image: the type, the manifest digest (exact), and
 * the docker-reference repository when the image name is known.
 */
export function checkSimpleSigningPayload(payload: Uint8Array, image: ImageRef): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (err) {
    throw sigError('signature payload is not JSON', err);
  }
  const critical = obj(obj(doc, '').critical, 'critical');
  if (critical['type'] !== COSIGN_SIGNATURE_TYPE)
    throw sigError(`payload type is not '${COSIGN_SIGNATURE_TYPE}'`);
  const digest = obj(critical['image'], 'critical.image')['docker-manifest-digest'];
  if (digest !== image.imageDigest) {
    throw sigError(`payload signs ${String(digest)}, not the image's digest ${image.imageDigest}`);
  }
  const ref = obj(critical['identity'], 'critical.identity')['docker-reference'];
  if (
    image.imageName !== '' &&
    (typeof ref !== 'string' || repositoryOf(ref) !== repositoryOf(image.imageName))
  ) {
    throw sigError(`payload is for ${String(ref)}, not ${repositoryOf(image.imageName)}`);
  }
  const optional = (obj(doc, '') as Record<string, unknown>)['optional'];
  return typeof optional === 'object' && optional !== null ? (optional as Record<string, unknown>) : {};
}

/**
 * Verifies a cosign simple-signing signature offline: ECDSA P-256 / SHA-256 over the raw payload
 * bytes with one of the configured keys, then the payload against the image. Throws
 * ERR_IDENTITY_SIGNATURE with the reason on any failure; the subject is the payload's signed
 * `optional.subject` when present, else the verifying key's fingerprint.
 */
export function verifyCosignSignature(
  image: ImageRef,
  sig: CosignSignature,
  keys: readonly KeyObject[],
): SignatureVerdict {
  if (!/^sha256:[0-9a-f]{64}$/.test(image.imageDigest))
    throw sigError('image digest unknown: nothing to verify');
  if (sig.payload.length > MAX_COSIGN_PAYLOAD) throw sigError('signature payload too large');
  if (keys.length === 0) throw sigError('no cosign public key configured');
  const raw = Buffer.from(sig.signature.trim(), 'base64');
  if (raw.length === 0) throw sigError('signature is empty or not base64');
  const key = keys.find((k) => {
    try {
      return verify('sha256', sig.payload, { key: k, dsaEncoding: 'der' }, raw);
    } catch {
      return false;
    }
  });
  if (!key) throw sigError('signature does not verify with any configured key');
  const optional = checkSimpleSigningPayload(sig.payload, image);
  const subject = optional['subject'];
  return { subject: typeof subject === 'string' && subject !== '' ? subject : keyFingerprint(key) };
}
