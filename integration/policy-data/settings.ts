import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Json = Record<string, unknown>;

/**
 * The real Kata rules and genpolicy's settings, in the shared conformance data beside the project
 * root (`../shared`), wherever the checkout is (this file runs from dist/integration/policy-data).
 */
export const KATA_RULES_DIR = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'),
  '..',
  'shared',
  'conformance',
  'kata-policy',
  'rules',
);

/**
 * Guest paths of the Kata runtime's shared-filesystem mode (no guest image pull), which is how
 * Ward's local driver lays out a container: genpolicy-settings.json's defaults describe the
 * guest-pull mode (`/run/kata-containers/$(bundle-id)/rootfs`), so the root path is overridden.
 */
export const SHARED_FS_ROOT_PATH = '/run/kata-containers/shared/containers/$(bundle-id)/rootfs';

/** The parts of genpolicy-settings.json that become `policy_data` defaults. */
export interface GenpolicySettings {
  readonly common: Json;
  readonly devices: Json;
  readonly sandbox: { readonly storages: readonly unknown[] };
  readonly kata_config: Json;
  readonly cluster_config: Json;
  readonly request_defaults: Json;
}

function section(doc: Json, key: string): Json {
  const v = doc[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`genpolicy settings: ${key}: must be an object`);
  return v as Json;
}

/** Parses genpolicy-settings.json text, keeping what `policy_data` is built from. */
export function parseSettings(text: string): GenpolicySettings {
  const doc = JSON.parse(text) as Json;
  const sandbox = section(doc, 'sandbox');
  if (!Array.isArray(sandbox['storages']))
    throw new Error('genpolicy settings: sandbox.storages: must be an array');
  return {
    common: section(doc, 'common'),
    devices: section(doc, 'devices'),
    sandbox: { storages: sandbox['storages'] as unknown[] },
    kata_config: section(doc, 'kata_config'),
    cluster_config: section(doc, 'cluster_config'),
    request_defaults: section(doc, 'request_defaults'),
  };
}

/** Reads and parses a genpolicy-settings.json file. */
export async function loadSettings(path: string): Promise<GenpolicySettings> {
  return parseSettings(await readFile(path, 'utf8'));
}
