import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdentityError } from '../errors.js';
import type { BundleThresholds } from './bundle.js';
import { verifySigstoreBundle } from './bundle.js';
import { verifyCosignSignature } from './cosign.js';
import type { ImageRef } from './image-ref.js';

/** Largest signature-material file read from the signatures directory. */
export const MAX_SIGNATURE_FILE = 1024 * 1024;

/** Everything needed to check image signatures offline. */
export interface SignaturePolicy {
  /** Cosign public keys (simple signing, and public-key bundles). */
  readonly cosignKeys: readonly KeyObject[];
  /** Parsed trusted_root.json for Sigstore bundles; bundles are refused without it. */
  readonly trustedRoot?: unknown;
  readonly thresholds: BundleThresholds;
  /** Digests (or `name@sha256:…` image ids) whose verification is skipped. */
  readonly skipImages: readonly string[];
  /** Directory of signature material, `<dir>/sha256-<hex>/{payload,signature,bundle.json}`. */
  readonly signaturesDir?: string;
}

/** The outcome for one image. Only `verified` ever yields `sigstore-validation:passed`. */
export type SignatureStatus =
  | { readonly status: 'verified'; readonly subject: string }
  | { readonly status: 'skipped' }
  | { readonly status: 'unverified'; readonly reason: string };

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    const buf = await readFile(path);
    if (buf.length > MAX_SIGNATURE_FILE)
      throw new IdentityError('ERR_IDENTITY_SIGNATURE', `${path} is too large`);
    return buf;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** True when the image is on the skip list, by digest or by `name@digest` image id. */
export function isSkipped(image: ImageRef, skip: readonly string[]): boolean {
  if (image.imageDigest === '') return false;
  return skip.some((s) => s === image.imageDigest || s.endsWith(`@${image.imageDigest}`));
}

/**
 * Checks an image's signature material from the signatures directory: a Sigstore bundle
 * (`bundle.json`, with `payload` for message signatures) against the trusted root, else a cosign
 * simple-signing `payload` + base64 `signature` against the configured keys. Unsigned images,
 * bad signatures and other digests are `unverified` with the reason; nothing here throws.
 */
export async function checkImageSignature(
  image: ImageRef,
  policy: SignaturePolicy,
): Promise<SignatureStatus> {
  if (isSkipped(image, policy.skipImages)) return { status: 'skipped' };
  if (!/^sha256:[0-9a-f]{64}$/.test(image.imageDigest))
    return { status: 'unverified', reason: 'image digest unknown' };
  if (!policy.signaturesDir) return { status: 'unverified', reason: 'no signatures directory configured' };
  const dir = join(policy.signaturesDir, image.imageDigest.replace(':', '-'));
  try {
    const payload = await readOptional(join(dir, 'payload'));
    const bundle = await readOptional(join(dir, 'bundle.json'));
    if (bundle) {
      if (policy.trustedRoot === undefined)
        return { status: 'unverified', reason: 'no sigstore trusted root configured' };
      const v = verifySigstoreBundle(image, JSON.parse(bundle.toString('utf8')), payload, {
        trustedRoot: policy.trustedRoot,
        publicKeys: policy.cosignKeys,
        thresholds: policy.thresholds,
      });
      return { status: 'verified', subject: v.subject };
    }
    const signature = await readOptional(join(dir, 'signature'));
    if (!payload || !signature) return { status: 'unverified', reason: 'image is not signed' };
    const v = verifyCosignSignature(
      image,
      { payload, signature: signature.toString('utf8') },
      policy.cosignKeys,
    );
    return { status: 'verified', subject: v.subject };
  } catch (err) {
    return { status: 'unverified', reason: err instanceof Error ? err.message : String(err) };
  }
}
