import { readFile } from 'node:fs/promises';
import { parse as parseToml } from 'smol-toml';
import { ProxyError } from './errors.js';

/** Where the proxy listens by default: the kata-agent's vsock port, any CID (in the guest). */
export const DEFAULT_LISTEN = 'vsock://4294967295:1024';
/** Where the kata-agent listens by default when the proxy runs in front of it. */
export const DEFAULT_AGENT = 'unix:///run/kata-containers/agent.sock';
/** Default measurement log path. */
export const DEFAULT_LOG_PATH = '/var/lib/ward/measurement.log';
/** Default register: the software register (no hardware root of trust; outputs say so). */
export const DEFAULT_REGISTER = 'software:/var/lib/ward/register';

/** The proxy's configuration after defaults, file and flags are merged (flags win). */
export interface ProxyConfig {
  readonly listen: string;
  readonly agent: string;
  /** Rego policy file; ignored when init-data carries `policy.rego`. */
  readonly policyFile: string;
  /** Init-data from a file or block device (any of its forms). */
  readonly initdataFile: string;
  /** Init-data as the `io.katacontainers.config.hypervisor.cc_init_data` annotation value. */
  readonly initdataAnnotation: string;
  /** Allow every request when no policy is configured (must be said explicitly). */
  readonly allowAll: boolean;
  /** Which kata-agent generation's policy-input shape to build (proto/kata profiles). */
  readonly profile: string;
  readonly logPath: string;
  readonly register: string;
  /** `host:port` or a unix socket path for Prometheus metrics; empty = off. */
  readonly metrics: string;
  /** Identity store directory; empty = do not record identities. */
  readonly identityDir: string;
  readonly debug: boolean;
}

/** Defaults of every key (documented in docs/AGENT-PROXY.md). */
export const DEFAULT_CONFIG: ProxyConfig = {
  listen: DEFAULT_LISTEN,
  agent: DEFAULT_AGENT,
  policyFile: '',
  initdataFile: '',
  initdataAnnotation: '',
  allowAll: false,
  profile: 'current',
  logPath: DEFAULT_LOG_PATH,
  register: DEFAULT_REGISTER,
  metrics: '',
  identityDir: '',
  debug: false,
};

// TOML layout: top-level listen/agent/debug, then [policy], [log], [metrics], [identity].
const TABLES: Readonly<Record<string, Readonly<Record<string, keyof ProxyConfig>>>> = {
  '': { listen: 'listen', agent: 'agent', debug: 'debug' },
  policy: {
    file: 'policyFile',
    initdata: 'initdataFile',
    initdata_annotation: 'initdataAnnotation',
    allow_all: 'allowAll',
    profile: 'profile',
  },
  log: { path: 'logPath', register: 'register' },
  metrics: { listen: 'metrics' },
  identity: { dir: 'identityDir' },
};

/** Parses the TOML config text; an unknown key or a value of the wrong type is an error naming it. */
export function parseConfigToml(text: string, origin: string): Partial<ProxyConfig> {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw bad(`${origin}: not valid TOML: ${(err as Error).message.split('\n')[0]}`, err);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    const table = TABLES[key];
    if (table !== undefined && key !== '' && isTable(value)) {
      for (const [sub, v] of Object.entries(value)) assign(out, table, sub, v, `${origin}: ${key}.${sub}`);
    } else assign(out, TABLES['']!, key, value, `${origin}: ${key}`);
  }
  return out as Partial<ProxyConfig>;
}

/** Reads and parses a config file. */
export async function loadConfigFile(path: string): Promise<Partial<ProxyConfig>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw bad(
      `cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      err,
    );
  }
  return parseConfigToml(text, path);
}

/** Defaults, then the file, then flags. */
export function mergeConfig(...layers: readonly Partial<ProxyConfig>[]): ProxyConfig {
  return Object.assign({}, DEFAULT_CONFIG, ...layers) as ProxyConfig;
}

function assign(
  out: Record<string, unknown>,
  table: Readonly<Record<string, keyof ProxyConfig>>,
  key: string,
  value: unknown,
  where: string,
): void {
  const target = table[key];
  if (target === undefined) throw bad(`${where}: unknown key`);
  const want = typeof DEFAULT_CONFIG[target];
  if (typeof value !== want) throw bad(`${where}: must be a ${want}`);
  out[target] = value;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string, cause?: unknown): ProxyError {
  return new ProxyError('ERR_PROXY_CONFIG', message, cause === undefined ? undefined : { cause });
}
