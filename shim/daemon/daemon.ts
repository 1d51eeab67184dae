import { execFileSync } from 'node:child_process';
import { constants, existsSync, openSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { DEFAULT_CONFIG_PATH } from '../config/schema.js';
import { WorkerPool } from './pool.js';
import { handleStart } from './start.js';

/** Longest request line (a request directory path) the control fifo accepts. */
const MAX_LINE = 4096;

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return env;
}

async function reply(reqDir: string, line: string): Promise<void> {
  try {
    // The launcher holds the reply fifo open for reading, so a non-blocking open finds a reader;
    // if the launcher is gone (ENXIO) there is nobody left to tell.
    const fh = await open(join(reqDir, 'reply'), constants.O_WRONLY | constants.O_NONBLOCK);
    await fh.write(`${line.replace(/\n/g, ' ')}\n`);
    await fh.close();
  } catch {
    // launcher gone
  }
}

/**
 * The long-lived Ward shim daemon: reads `start` requests from `<run>/ctl.fifo` (one request
 * directory per line, written by the sh launcher), answers each through the request's reply
 * fifo, and keeps a warm pool of workers. It serves no pod itself, so its death stops no pod.
 */
export async function runDaemon(runDir: string, main: string): Promise<void> {
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  const fifo = join(runDir, 'ctl.fifo');
  if (!existsSync(fifo)) execFileSync('mkfifo', ['-m', '0600', fifo]);
  const cfgPath = process.env['WARD_CONFIG'] ?? DEFAULT_CONFIG_PATH;
  const cfg = await loadConfig(cfgPath, false).catch((err: unknown) => {
    process.stderr.write(`ward shim daemon: ${(err as Error).message}; using the defaults for the pool\n`);
    return undefined;
  });
  const pool = new WorkerPool(cfg?.daemon.warm_pool ?? 2, main, join(runDir, 'workers.log'));
  // One worker now, the rest of the pool shortly after: on the cold path the first pod waits for
  // one Node start, not for several competing for the CPU.
  pool.prime();
  const input = new Socket({
    fd: openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK),
    readable: true,
    writable: false,
  });
  let buf = '';
  let chain: Promise<void> = Promise.resolve();
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    buf += chunk;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const reqDir = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (reqDir.startsWith(runDir) && !reqDir.includes('..')) chain = chain.then(() => serveRequest(reqDir));
      nl = buf.indexOf('\n');
    }
    if (buf.length > MAX_LINE) buf = '';
  });
  const serveRequest = async (reqDir: string): Promise<void> => {
    try {
      const args = (await readFile(join(reqDir, 'args'), 'utf8')).split('\n').filter((a) => a !== '');
      const env = parseEnv(await readFile(join(reqDir, 'env'), 'utf8'));
      const stdin = await readFile(join(reqDir, 'stdin')).catch(() => Buffer.alloc(0));
      const address = await handleStart({ args, env, stdin }, runDir, (req) => pool.assign(req));
      await reply(reqDir, `OK ${address}`);
    } catch (err) {
      await reply(reqDir, `ERR ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const stop = (): void => {
    pool.stopIdle();
    void rm(join(runDir, 'daemon.pid'), { force: true }).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await writeFile(join(runDir, 'daemon.pid'), String(process.pid));
  await writeFile(join(runDir, 'ready'), '');
}
