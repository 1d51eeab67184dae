import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseLog } from '../../measure/index.js';
import { ROOT, waitForSocket } from './harness.js';

/** The built `ward-agent-proxy` executable (a Node entry file: its pid is the proxy's own). */
export const PROXY_BIN = join(ROOT, 'dist', 'bin', 'ward-agent-proxy');
/** The built `ward` CLI. */
export const WARD_BIN = join(ROOT, 'dist', 'bin', 'ward');
/** How long a refused start may take before the test gives up on it. */
const START_FAILURE_TIMEOUT_MS = 30_000;

/** A `ward-agent-proxy` child process serving on `address`. */
export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly address: string;
  /** Everything it wrote to stderr so far (pino JSON lines). */
  stderr(): string;
  /** SIGKILL, then waits until the process is reaped (so its pid is gone for the log lock). */
  kill9(): Promise<void>;
  /** SIGTERM (drains in-flight requests), then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `ward-agent-proxy ARGS` (ARGS must hold `--listen address`) and waits until it accepts connections. */
export async function spawnProxy(address: string, args: readonly string[]): Promise<ProxyProcess> {
  const child = spawn(PROXY_BIN, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  try {
    await waitForSocket(address, () => `ward-agent-proxy did not start: ${err}`, child);
  } catch (e) {
    if (!gone()) child.kill('SIGKILL');
    await exited;
    throw e;
  }
  return {
    child,
    address,
    stderr: () => err,
    async kill9() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone()) child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
      await exited;
    },
  };
}

/** How a command that was expected to exit on its own ended. */
export interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an executable to completion (killing it after a timeout) and collects its output. */
export function runToExit(bin: string, args: readonly string[]): Promise<Exited> {
  const child = spawn(bin, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), START_FAILURE_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** One agent request event of the log: its RPC method, decision and decoded request. */
export interface LoggedRequest {
  readonly seq: number;
  readonly method: string;
  readonly decision: string;
  readonly request: Record<string, unknown> | null;
}

/** The agent-request events of a log (policy and init-data events left out). */
export function loggedRequests(bytes: Buffer): LoggedRequest[] {
  const out: LoggedRequest[] = [];
  for (const r of parseLog(bytes).records) {
    const c = JSON.parse(r.content) as {
      seq: number;
      method?: string;
      decision?: string;
      request?: Record<string, unknown> | null;
    };
    if (c.method === undefined || c.decision === undefined) continue;
    out.push({ seq: c.seq, method: c.method, decision: c.decision, request: c.request ?? null });
  }
  return out;
}
