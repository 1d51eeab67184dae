import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startRuncAgent } from './agent.js';
import { AGENT_ADDR_ENV } from './listen.js';
import { AGENT_STOP_TIMEOUT_MS } from './stop.js';

/** Past the stop's own bound: if even the bounded stop has not settled by then, exit anyway. */
const STOP_BACKSTOP_MS = AGENT_STOP_TIMEOUT_MS + 2_000;

const USAGE = `usage: ward-runc-agent --listen ADDR --root DIR [--record FILE] [--runc PATH] [--debug]
  ADDR  unix:///path | /path | tcp://host:port | vsock://CID:PORT | hvsock:///path:PORT
        (default: $${AGENT_ADDR_ENV})
  DIR   directory standing in for the guest root`;

// Installed before the socket exists (see main): a SIGTERM that lands between listen(2) and the
// agent's start resolving is remembered and honoured once the agent can be stopped cleanly.
let stopNow: ((sig: string) => void) | undefined;
let stopRequested: string | undefined;
const onSignal = (sig: string): void => {
  if (stopNow === undefined) stopRequested ??= sig;
  else stopNow(sig);
};
process.once('SIGTERM', () => onSignal('SIGTERM'));
process.once('SIGINT', () => onSignal('SIGINT'));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string' },
      root: { type: 'string' },
      record: { type: 'string' },
      runc: { type: 'string' },
      debug: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const listen = values.listen ?? process.env[AGENT_ADDR_ENV];
  if (!listen || !values.root)
    throw new Error(`--listen (or ${AGENT_ADDR_ENV}) and --root are required\n${USAGE}`);
  const logger = pino(
    { name: 'ward-runc-agent', level: values.debug ? 'debug' : 'info' },
    pino.destination(2),
  );
  const agent = await startRuncAgent({
    listen,
    root: values.root,
    logger,
    ...(values.record ? { record: values.record } : {}),
    ...(values.runc ? { runc: values.runc } : {}),
  });
  const stop = (sig: string): void => {
    logger.info({ signal: sig, timeoutMs: AGENT_STOP_TIMEOUT_MS }, 'stopping: destroying the sandbox');
    setTimeout(() => {
      logger.error({ containers: agent.sandbox.containerIds }, 'stop did not settle: exiting anyway');
      process.exit(1);
    }, STOP_BACKSTOP_MS);
    agent.stop().then(
      () => {
        logger.info({}, 'stopped: nothing left');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'stop failed');
        process.exit(1);
      },
    );
  };
  stopNow = stop;
  if (stopRequested !== undefined) stop(stopRequested);
}

main().catch((err: unknown) => {
  process.stderr.write(`ward-runc-agent: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
