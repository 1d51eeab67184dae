import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { IdentityError } from './errors.js';
import type { HclObject, HclValue } from './hcl.js';
import { parseHcl } from './hcl.js';
import { DEFAULT_REGISTRY_SOCKET } from './protocol.js';
import type { SelectorOptions } from './selectors.js';
import { loadCosignPublicKey } from './signature/cosign.js';
import type { SignaturePolicy } from './signature/verifier.js';

/** The plugin's configuration, distilled from plugin_data. */
export interface PluginConfig {
  readonly registrySocket: string;
  readonly procRoot: string;
  readonly selectors: SelectorOptions;
  readonly signatures: SignaturePolicy;
}

const TOP_KEYS = new Set([
  'registry_socket',
  'proc_root',
  'selectors',
  'cosign_public_keys',
  'sigstore_trusted_root',
  'sigstore_tlog_threshold',
  'sigstore_ctlog_threshold',
  'sigstore_timestamp_threshold',
  'signatures_dir',
  'skip_signature_verification_image_list',
]);
const SELECTOR_KEYS = new Set(['pod_labels', 'measured']);
/** Largest threshold accepted; more proofs than this cannot exist in one bundle. */
const MAX_THRESHOLD = 16;

function bad(message: string, cause?: unknown): IdentityError {
  return new IdentityError('ERR_IDENTITY_CONFIG', message, cause === undefined ? undefined : { cause });
}

function str(o: HclObject, key: string, dflt: string): string {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || v === '') throw bad(`${key} must be a non-empty string`);
  return v;
}

function strList(o: HclObject, key: string): string[] {
  const v = o[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) {
    throw bad(`${key} must be a list of strings`);
  }
  return v;
}

function bool(o: HclObject, key: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw bad(`selectors.${key} must be true or false`);
  return v;
}

function threshold(o: HclObject, key: string): number {
  const v: HclValue | undefined = o[key];
  if (v === undefined) return 1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_THRESHOLD) {
    throw bad(`${key} must be an integer from 0 to ${MAX_THRESHOLD}`);
  }
  return v;
}

function readFileOrFail(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw bad(`cannot read ${what} ${path}: ${(err as Error).message}`, err);
  }
}

/**
 * Parses and checks plugin_data (docs/IDENTITY.md lists the keys). Unknown keys, wrong types and
 * unreadable key or trust files are errors: a typo must not silently weaken attestation.
 */
export function parsePluginConfig(hcl: string): PluginConfig {
  const o = parseHcl(hcl);
  for (const k of Object.keys(o)) if (!TOP_KEYS.has(k)) throw bad(`unknown plugin_data key '${k}'`);
  const sel = o['selectors'] ?? {};
  if (typeof sel !== 'object' || Array.isArray(sel)) throw bad('selectors must be a block');
  for (const k of Object.keys(sel)) if (!SELECTOR_KEYS.has(k)) throw bad(`unknown selectors key '${k}'`);
  const keys: KeyObject[] = strList(o, 'cosign_public_keys').map((p) => {
    try {
      return loadCosignPublicKey(readFileOrFail(p, 'cosign public key'));
    } catch (err) {
      throw bad(`cosign public key ${p}: ${(err as Error).message}`, err);
    }
  });
  const rootPath = o['sigstore_trusted_root'] === undefined ? undefined : str(o, 'sigstore_trusted_root', '');
  let trustedRoot: unknown;
  if (rootPath !== undefined) {
    try {
      trustedRoot = JSON.parse(readFileOrFail(rootPath, 'sigstore trusted root'));
    } catch (err) {
      throw err instanceof IdentityError ? err : bad(`sigstore trusted root ${rootPath} is not JSON`, err);
    }
  }
  const signaturesDir = o['signatures_dir'] === undefined ? undefined : str(o, 'signatures_dir', '');
  return {
    registrySocket: str(o, 'registry_socket', DEFAULT_REGISTRY_SOCKET),
    procRoot: str(o, 'proc_root', '/proc'),
    selectors: { podLabels: bool(sel, 'pod_labels', true), measured: bool(sel, 'measured', true) },
    signatures: {
      cosignKeys: keys,
      ...(trustedRoot === undefined ? {} : { trustedRoot }),
      thresholds: {
        tlog: threshold(o, 'sigstore_tlog_threshold'),
        ctlog: threshold(o, 'sigstore_ctlog_threshold'),
        timestamp: threshold(o, 'sigstore_timestamp_threshold'),
      },
      skipImages: strList(o, 'skip_signature_verification_image_list'),
      ...(signaturesDir === undefined ? {} : { signaturesDir }),
    },
  };
}
