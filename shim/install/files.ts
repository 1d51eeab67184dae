import { DEFAULT_STATE_DIR } from '../../identity/index.js';
import { DEFAULT_CONFIG, DEFAULT_CONFIG_PATH } from '../config/schema.js';

/** containerd runtime type of Ward (binary `containerd-shim-ward-v2`). */
export const WARD_RUNTIME_TYPE = 'io.containerd.ward.v2';

/** CRI runtime handler / RuntimeClass name. */
export const WARD_HANDLER_NAME = 'ward';

/**
 * containerd drop-in registering handler `ward`. containerd 1.x reads config version 2
 * (`plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ward`); containerd 2.x version 3
 * (`plugins."io.containerd.cri.v1.runtime".containerd.runtimes.ward`).
 */
export function containerdDropIn(version: 2 | 3, configPath = DEFAULT_CONFIG_PATH): string {
  const table =
    version === 2
      ? `plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${WARD_HANDLER_NAME}`
      : `plugins."io.containerd.cri.v1.runtime".containerd.runtimes.${WARD_HANDLER_NAME}`;
  return [
    `# Ward: runtime handler "${WARD_HANDLER_NAME}" (runtimeClassName: ${WARD_HANDLER_NAME}). Installed by \`ward install\`.`,
    `version = ${version}`,
    '',
    `[${table}]`,
    `  runtime_type = "${WARD_RUNTIME_TYPE}"`,
    '  pod_annotations = ["io.katacontainers.*"]',
    '',
    `[${table}.options]`,
    `  ConfigPath = ${JSON.stringify(configPath)}`,
    '',
  ].join('\n');
}

/** The Kubernetes RuntimeClass that selects Ward. */
export function runtimeClassManifest(): string {
  return [
    'apiVersion: node.k8s.io/v1',
    'kind: RuntimeClass',
    'metadata:',
    `  name: ${WARD_HANDLER_NAME}`,
    `handler: ${WARD_HANDLER_NAME}`,
    '',
  ].join('\n');
}

function tomlValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * /etc/ward/config.toml with every key at its default (docs/CONFIG.md explains each), except
 * `identity.dir`, which an installed node sets to the identity registry's state directory.
 */
export function defaultConfigToml(): string {
  const out = ['# Ward shim configuration: every key with its default. See docs/CONFIG.md.'];
  const walk = (obj: Record<string, unknown>, prefix: string): void => {
    const tables: [string, Record<string, unknown>][] = [];
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'object' && v !== null) tables.push([k, v as Record<string, unknown>]);
      else out.push(`${k} = ${tomlValue(v)}`);
    }
    for (const [k, v] of tables) {
      const name = prefix ? `${prefix}.${k}` : k;
      out.push('', `[${name}]`);
      walk(v, name);
    }
  };
  // An installed node records identities for ward-spire-plugin where the plugin looks for them.
  const installed = { ...DEFAULT_CONFIG, identity: { dir: DEFAULT_STATE_DIR } };
  walk(installed as unknown as Record<string, unknown>, '');
  return `${out.join('\n')}\n`;
}

/** The launcher script with its library directory fixed (instead of found relative to itself). */
export function launcherWithLib(launcher: string, libDir: string): string {
  return launcher.replace('@WARD_LIB@', libDir);
}
