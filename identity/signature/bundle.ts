import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import type { bundleFromJSON } from '@sigstore/bundle';
import type { KeyFinderFunc, Verifier } from '@sigstore/verify';
import { IdentityError } from '../errors.js';
import { sigstoreBundle, sigstoreSpecs, sigstoreVerify } from '../lazy-deps.js';
import { checkSimpleSigningPayload, keyFingerprint, type SignatureVerdict } from './cosign.js';
import type { ImageRef } from './image-ref.js';

/** DSSE payload type of in-toto statements. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** How many independent proofs a bundle needs; defaults are @sigstore/verify's (1 each). */
export interface BundleThresholds {
  readonly tlog: number;
  readonly ctlog: number;
  readonly timestamp: number;
}

/** Sigstore trust: the trusted root (trusted_root.json) and keys for public-key bundles. */
export interface BundleTrust {
  readonly trustedRoot: unknown;
  readonly publicKeys: readonly KeyObject[];
  readonly thresholds: BundleThresholds;
}

function sigError(message: string, cause?: unknown): IdentityError {
  return new IdentityError('ERR_IDENTITY_SIGNATURE', message, cause === undefined ? undefined : { cause });
}

function keyFinder(keys: readonly KeyObject[]): KeyFinderFunc {
  return (hint: string) => {
    for (const key of keys) {
      const der = key.export({ type: 'spki', format: 'der' });
      const sum = createHash('sha256').update(der);
      const hex = sum.copy().digest('hex');
      if (hint === hex || hint === `sha256:${hex}` || hint === sum.digest('base64')) {
        return { publicKey: key, validFor: () => true };
      }
    }
    throw sigError(`no configured key matches bundle key hint '${hint}'`);
  };
}

function checkInTotoSubject(payload: Buffer, image: ImageRef): void {
  let st: unknown;
  try {
    st = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw sigError('DSSE payload is not JSON', err);
  }
  const subjects = (st as { subject?: unknown }).subject;
  const want = image.imageDigest.slice('sha256:'.length);
  const ok =
    Array.isArray(subjects) &&
    subjects.some((s) => (s as { digest?: Record<string, unknown> } | null)?.digest?.['sha256'] === want);
  if (!ok) throw sigError(`in-toto statement has no subject with the image's digest ${image.imageDigest}`);
}

/**
 * Verifies a Sigstore bundle offline with @sigstore/verify against the configured trusted root,
 * then ties it to the image: a DSSE in-toto statement must list the image digest as a subject; a
 * message signature must be over a simple-signing payload (given as `payload`) for that digest.
 */
export function verifySigstoreBundle(
  image: ImageRef,
  bundleJson: unknown,
  payload: Uint8Array | undefined,
  trust: BundleTrust,
): SignatureVerdict {
  if (!/^sha256:[0-9a-f]{64}$/.test(image.imageDigest))
    throw sigError('image digest unknown: nothing to verify');
  let signer: ReturnType<Verifier['verify']>;
  let bundle: ReturnType<typeof bundleFromJSON>;
  const { toSignedEntity, toTrustMaterial, Verifier } = sigstoreVerify();
  try {
    bundle = sigstoreBundle().bundleFromJSON(bundleJson);
    const root = sigstoreSpecs().TrustedRoot.fromJSON(trust.trustedRoot);
    const material = toTrustMaterial(root, keyFinder(trust.publicKeys));
    const verifier = new Verifier(material, {
      tlogThreshold: trust.thresholds.tlog,
      ctlogThreshold: trust.thresholds.ctlog,
      timestampThreshold: trust.thresholds.timestamp,
    });
    const withCertificate = bundle.verificationMaterial.content.$case !== 'publicKey';
    // @sigstore/verify checks a certificate chain only at the bundle's verified timestamps: with
    // none, nothing would tie the certificate to the trusted root.
    if (withCertificate && trust.thresholds.timestamp < 1) {
      throw sigError('certificate bundles need sigstore_timestamp_threshold >= 1');
    }
    const isDsse = bundle.content.$case === 'dsseEnvelope';
    if (!isDsse && !payload) throw sigError('message-signature bundle without its payload');
    signer = verifier.verify(toSignedEntity(bundle, isDsse ? undefined : Buffer.from(payload!)));
  } catch (err) {
    if (err instanceof IdentityError) throw err;
    throw sigError(`sigstore bundle does not verify: ${(err as Error).message}`, err);
  }
  if (bundle.content.$case === 'dsseEnvelope') {
    const env = bundle.content.dsseEnvelope;
    if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE)
      throw sigError(`DSSE payload type ${env.payloadType} unsupported`);
    checkInTotoSubject(env.payload, image);
  } else {
    checkSimpleSigningPayload(payload!, image);
  }
  return { subject: signer.identity?.subjectAlternativeName || keyFingerprint(signer.key) };
}
