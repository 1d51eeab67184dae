/**
 * Ward's shim configuration (TOML). Every key, its default and its meaning is listed in
 * docs/CONFIG.md; keep the two in step.
 */
export interface WardConfig {
  /** pino level of the shim's logs; `-debug` from containerd raises it to `debug`. */
  readonly log_level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  readonly runtime: {
    /** Directory of the per-pod ttrpc sockets containerd connects to. */
    readonly socket_dir: string;
  };
  readonly sandbox: {
    readonly driver: 'local' | 'remote';
    readonly local: {
      /** Where the per-pod agent runs: inside the pod's worker (own socket) or as its own process. */
      readonly agent: 'in-process' | 'process';
      /** How the worker reaches the agent: plain unix socket or a hybrid-vsock muxer socket. */
      readonly transport: 'unix' | 'hvsock';
      /** ward-runc-agent executable for `agent = "process"`; empty: the one beside the shim. */
      readonly agent_binary: string;
      /** runc executable the local agent drives; empty: the agent's default (/usr/sbin/runc). */
      readonly runc: string;
      /** Policy for ward-agent-proxy in front of the agent; empty: no proxy. */
      readonly policy: string;
      /** ward-agent-proxy executable; empty: the one beside the shim. */
      readonly proxy_binary: string;
      /**
       * Per-pod measurement logs and software registers of the proxy, in `<dir>/<pod>/`. They
       * outlive the pod: a verifier replays them afterwards.
       */
      readonly measure_dir: string;
    };
    readonly remote: {
      /** Agent address: vsock://CID:PORT, hvsock:///path:PORT, unix:///path or tcp://host:port. */
      readonly address: string;
    };
  };
  readonly agent: {
    /** How long the shim waits for the agent's socket and its Health check. */
    readonly dial_timeout_ms: number;
    /** Deadline of agent calls that do not block by design (everything but Wait/Read/OOM). */
    readonly request_timeout_ms: number;
  };
  readonly identity: {
    /**
     * Identity store read by ward-spire-plugin: the proxy records containers there (with their
     * log position); without a proxy, the shim does. Empty: no identities are recorded.
     */
    readonly dir: string;
  };
  readonly daemon: {
    /** Idle pre-started workers the daemon keeps ready for new pods. */
    readonly warm_pool: number;
  };
}

/** The configuration used when the file leaves a key out. */
export const DEFAULT_CONFIG: WardConfig = {
  log_level: 'info',
  runtime: { socket_dir: '/run/containerd/s' },
  sandbox: {
    driver: 'local',
    local: {
      agent: 'in-process',
      transport: 'unix',
      agent_binary: '',
      runc: '',
      policy: '',
      proxy_binary: '',
      measure_dir: '/var/lib/ward/pods',
    },
    remote: { address: '' },
  },
  agent: { dial_timeout_ms: 10_000, request_timeout_ms: 60_000 },
  identity: { dir: '' },
  daemon: { warm_pool: 2 },
};

/** The configuration file read when the runtime options give no ConfigPath. */
export const DEFAULT_CONFIG_PATH = '/etc/ward/config.toml';

/** Upper bound of the warm pool: each idle worker costs one Node process. */
export const MAX_WARM_POOL = 64;

type Check = (v: unknown) => string | undefined;

const oneOf =
  (...allowed: string[]): Check =>
  (v) =>
    typeof v === 'string' && allowed.includes(v)
      ? undefined
      : `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`;
const absPathOrEmpty: Check = (v) =>
  typeof v !== 'string'
    ? 'must be a string'
    : v === '' || v.startsWith('/')
      ? undefined
      : 'must be an absolute path';
const absPath: Check = (v) =>
  typeof v === 'string' && v.startsWith('/') ? undefined : 'must be an absolute path';
const intIn =
  (lo: number, hi: number): Check =>
  (v) => {
    const n = typeof v === 'bigint' ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= hi
      ? undefined
      : `must be an integer in ${lo}..${hi}`;
  };
const address: Check = (v) =>
  typeof v !== 'string'
    ? 'must be a string'
    : v === '' || /^(vsock|hvsock|unix|tcp):\/\//.test(v)
      ? undefined
      : 'must start with vsock://, hvsock://, unix:// or tcp://';

/** Validator per dotted key; a key absent here is unknown and rejected. */
export const CONFIG_CHECKS: Readonly<Record<string, Check>> = {
  log_level: oneOf('trace', 'debug', 'info', 'warn', 'error'),
  'runtime.socket_dir': absPath,
  'sandbox.driver': oneOf('local', 'remote'),
  'sandbox.local.agent': oneOf('in-process', 'process'),
  'sandbox.local.transport': oneOf('unix', 'hvsock'),
  'sandbox.local.agent_binary': absPathOrEmpty,
  'sandbox.local.runc': absPathOrEmpty,
  'sandbox.local.policy': absPathOrEmpty,
  'sandbox.local.proxy_binary': absPathOrEmpty,
  'sandbox.local.measure_dir': absPath,
  'sandbox.remote.address': address,
  'agent.dial_timeout_ms': intIn(100, 600_000),
  'agent.request_timeout_ms': intIn(100, 3_600_000),
  'identity.dir': absPathOrEmpty,
  'daemon.warm_pool': intIn(0, MAX_WARM_POOL),
};
