import { Command, CommanderError } from 'commander';
import { pino } from 'pino';
import { loadConfigFile, mergeConfig, type ProxyConfig } from './config.js';
import { startProxy } from './start.js';

// ward-agent-proxy: flags override the TOML config, which overrides the defaults. Any start-up
// failure prints one line and exits 2; SIGTERM/SIGINT drain in-flight requests and exit 0.
const program = new Command('ward-agent-proxy')
  .description('Kata agent proxy: stateful Rego policy and a measurement log on every agent request')
  .option('--listen <addr>', 'where runtimes connect (unix://, vsock://, hvsock://, tcp://)')
  .option('--agent <addr>', 'where the kata-agent listens')
  .option('--config <file>', 'TOML configuration')
  .option('--policy <file>', 'Rego policy file')
  .option('--initdata <file>', 'init-data (TOML, block device image or annotation value file)')
  .option('--initdata-annotation <value>', 'init-data as the cc_init_data annotation value')
  .option('--allow-all', 'allow every request when no policy is given (still measured)')
  .option('--profile <name>', 'kata-agent policy-input generation (current, legacy, legacy-passfd)')
  .option('--log <file>', 'measurement log path')
  .option('--register <spec>', 'register backend, e.g. software:FILE, tpm:swtpm:SOCK:pcr=23, tdx:rtmr=3')
  .option('--metrics <addr>', 'serve Prometheus metrics on host:port or a socket path')
  .option('--identity-dir <dir>', 'record container identities in this store')
  .option('--debug', 'debug logging')
  .exitOverride()
  .configureOutput({ writeErr: () => {} });

// Handlers go in before the socket exists: the kernel accepts connections as soon as listen(2)
// returns, before startProxy resolves, and a SIGTERM with no handler installed would kill the
// process outright and leave the socket file behind. A signal during start-up stops right after it.
let stopNow: (() => void) | undefined;
let stopRequested = false;
const onSignal = (): void => {
  if (stopNow === undefined) stopRequested = true;
  else stopNow();
};
process.once('SIGTERM', onSignal);
process.once('SIGINT', onSignal);

try {
  program.parse(process.argv);
  const o = program.opts<Record<string, string | boolean | undefined>>();
  const flags: Partial<Record<keyof ProxyConfig, string | boolean>> = {};
  const map: Record<string, keyof ProxyConfig> = {
    listen: 'listen',
    agent: 'agent',
    policy: 'policyFile',
    initdata: 'initdataFile',
    initdataAnnotation: 'initdataAnnotation',
    allowAll: 'allowAll',
    profile: 'profile',
    log: 'logPath',
    register: 'register',
    metrics: 'metrics',
    identityDir: 'identityDir',
    debug: 'debug',
  };
  for (const [opt, key] of Object.entries(map)) if (o[opt] !== undefined) flags[key] = o[opt] as never;
  const file = typeof o['config'] === 'string' ? await loadConfigFile(o['config']) : {};
  const cfg = mergeConfig(file, flags as Partial<ProxyConfig>);
  const logger = pino({ name: 'ward-agent-proxy', level: cfg.debug ? 'debug' : 'info' }, pino.destination(2));
  const running = await startProxy(cfg, logger);
  stopNow = (): void => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  if (stopRequested) stopNow();
} catch (err) {
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) process.exit(0);
    process.stderr.write(`ward-agent-proxy: ${err.message.replace(/^error: /, '')}\n`);
  } else {
    process.stderr.write(`ward-agent-proxy: ${(err as Error).message.split('\n')[0]}\n`);
  }
  process.exit(2);
}
