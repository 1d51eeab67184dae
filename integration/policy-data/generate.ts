import { type GenpolicySettings, SHARED_FS_ROOT_PATH } from './settings.js';

type Json = Record<string, unknown>;

/** Annotation keys whose policy values rules.rego matches as regular expressions. */
const S_NAME_KEY = 'io.kubernetes.cri.sandbox-name';
const S_ID_KEY = 'io.kubernetes.cri.sandbox-id';
const NETNS_KEY = 'nerdctl/network-namespace';
const LOG_DIR_KEY = 'io.kubernetes.cri.sandbox-log-directory';

/** Sandbox ids are chosen at run time: genpolicy allows any id of the runtime's id shape. */
export const SANDBOX_ID_PATTERN = '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$';

/** A shared bind-mount source `<cpath>/<cid>-<16 random>-<name>` as the Kata runtime names it. */
const SHARED_SOURCE = /^\/run\/kata-containers\/shared\/containers\/[^/]+-[a-z0-9]{16}-(.+)$/;

/** One container of the pod, described by the CreateContainer request its spec produces. */
export interface PolicyContainer {
  /** A CreateContainerRequest policy input (serde JSON shape) for this container. */
  readonly request: Json;
  /** Commands ExecProcess may run in this container (exact argv). */
  readonly execCommands: readonly (readonly string[])[];
}

/** What the generator needs besides the containers. */
export interface PolicyDataOptions {
  readonly settings: GenpolicySettings;
  /** Storages the runtime sends in CreateSandbox in addition to the settings' ones. */
  readonly sandboxStorages?: readonly unknown[];
  /** Overrides of `request_defaults` (e.g. `{ReadStreamRequest: true}` to let logs be read). */
  readonly requestDefaults?: Json;
}

/** Escapes a literal so Go/Rust regex syntax matches exactly it. */
export function regexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function obj(v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what}: must be an object`);
  return v as Json;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what}: must be a string`);
  return v;
}

function policyAnnotations(i: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(i)) {
    const value = str(v, `annotation ${k}`);
    if (k === S_ID_KEY) out[k] = SANDBOX_ID_PATTERN;
    else if (k === S_NAME_KEY || k === NETNS_KEY) out[k] = `^${regexEscape(value)}$`;
    else if (k === LOG_DIR_KEY) out[k] = `^${regexEscape(value)}$`;
    else out[k] = value;
  }
  return out;
}

function policyProcess(p: Json): Json {
  const user = obj(p['User'], 'OCI.Process.User');
  const args = Array.isArray(p['Args']) ? (p['Args'] as unknown[]) : [];
  return {
    Terminal: p['Terminal'],
    User: { UID: user['UID'], GID: user['GID'], AdditionalGids: user['AdditionalGids'], Username: '' },
    // allow_arg turns `$$` back into `$`: a literal `$` must be doubled.
    Args: args.map((a, n) => str(a, `OCI.Process.Args[${n}]`).replaceAll('$', '$$$$')),
    Env: p['Env'],
    Cwd: p['Cwd'],
    Capabilities: p['Capabilities'],
    NoNewPrivileges: p['NoNewPrivileges'],
  };
}

function policyMount(m: unknown, n: number): Json {
  const mount = { ...obj(m, `OCI.Mounts[${n}]`) };
  const match = SHARED_SOURCE.exec(str(mount['source'], `OCI.Mounts[${n}].source`));
  if (match?.[1] !== undefined) mount['source'] = `$(sfprefix)${regexEscape(match[1])}$`;
  return mount;
}

/** The policy_data.containers entry genpolicy would write for this container. */
export function policyContainer(c: PolicyContainer): Json {
  const oci = obj(c.request['OCI'], 'CreateContainerRequest.OCI');
  const linux = obj(oci['Linux'], 'OCI.Linux');
  const root = obj(oci['Root'], 'OCI.Root');
  const mounts = Array.isArray(oci['Mounts']) ? (oci['Mounts'] as unknown[]) : [];
  return {
    OCI: {
      Version: oci['Version'],
      Annotations: policyAnnotations(obj(oci['Annotations'] ?? {}, 'OCI.Annotations')),
      Process: policyProcess(obj(oci['Process'], 'OCI.Process')),
      Root: { Path: '$(root_path)', Readonly: root['Readonly'] },
      Mounts: mounts.map(policyMount),
      Linux: {
        // genpolicy leaves the network namespace out: its path is the pod's, known only at run
        // time, and rules.rego compares the input's namespaces without it.
        Namespaces: (Array.isArray(linux['Namespaces']) ? (linux['Namespaces'] as Json[]) : []).filter(
          (ns) => ns['Type'] !== 'network',
        ),
        MaskedPaths: linux['MaskedPaths'],
        ReadonlyPaths: linux['ReadonlyPaths'],
        Devices: linux['Devices'],
        Sysctl: linux['Sysctl'],
      },
    },
    storages: [],
    devices: [],
    sandbox_pidns: c.request['sandbox_pidns'] ?? false,
    exec_commands: c.execCommands.map((cmd) => [...cmd]),
  };
}

/** The `policy_data` document rules.rego reads, for a pod of these containers. */
export function policyData(containers: readonly PolicyContainer[], opts: PolicyDataOptions): Json {
  const s = opts.settings;
  return {
    containers: containers.map(policyContainer),
    common: { ...s.common, root_path: SHARED_FS_ROOT_PATH },
    devices: s.devices,
    kata_config: s.kata_config,
    cluster_config: s.cluster_config,
    sandbox: { storages: [...s.sandbox.storages, ...(opts.sandboxStorages ?? [])] },
    request_defaults: { ...s.request_defaults, ...opts.requestDefaults },
  };
}

/** A complete policy as genpolicy emits it: the rules followed by `policy_data := {...}`. */
export function policyWithData(rules: string, data: Json): string {
  return `${rules.trimEnd()}\n\npolicy_data := ${JSON.stringify(data, null, 2)}\n`;
}
