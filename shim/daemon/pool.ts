import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { ShimError } from '../errors.js';
import type { ServeRequest } from '../worker/serve.js';
import type { WorkerMessage } from '../worker/worker.js';

/** How long a fresh worker may take to load before it counts as failed. */
const WORKER_READY_TIMEOUT_MS = 30_000;

/** How long a worker may take to bind a pod's socket. */
const SERVE_TIMEOUT_MS = 15_000;

interface Warm {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
}

/**
 * Pre-started idle workers. `take()` hands out a loaded one (or starts one when the pool is
 * empty: the cold path) and refills the pool in the background. Workers run detached in their
 * own session, so a crash of one worker or of the daemon takes nothing else down.
 */
export class WorkerPool {
  private readonly size: number;
  private readonly main: string;
  private readonly logPath: string;
  private readonly idle: Warm[] = [];

  constructor(size: number, main: string, logPath: string) {
    this.size = size;
    this.main = main;
    this.logPath = logPath;
  }

  private spawnWorker(): Warm {
    const log = openSync(this.logPath, 'a');
    const child = spawn(process.execPath, [this.main, 'worker'], {
      stdio: ['ignore', log, log, 'ipc'],
      detached: true,
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ShimError('worker did not become ready', 'ERR_SHIM_INTERNAL')),
        WORKER_READY_TIMEOUT_MS,
      );
      child.once('message', (m: unknown) => {
        clearTimeout(timer);
        if ((m as WorkerMessage).type === 'ready') resolve();
        else reject(new ShimError('worker sent an unexpected message', 'ERR_SHIM_INTERNAL'));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new ShimError(`worker exited (${code}) before it was ready`, 'ERR_SHIM_INTERNAL'));
      });
    });
    ready.catch(() => undefined);
    return { child, ready };
  }

  /** Fills the pool up to its size. */
  fill(): void {
    while (this.idle.length < this.size) {
      const w = this.spawnWorker();
      this.idle.push(w);
      w.child.once('exit', () => {
        const i = this.idle.indexOf(w);
        if (i >= 0) this.idle.splice(i, 1);
      });
    }
  }

  /** Waits until every pooled worker is loaded. */
  async warm(): Promise<void> {
    await Promise.allSettled(this.idle.map((w) => w.ready));
  }

  /** Hands `request` to a warm worker and resolves with its pid once it serves the socket. */
  async assign(request: ServeRequest): Promise<number> {
    const w = this.idle.shift() ?? this.spawnWorker();
    setImmediate(() => this.fill());
    await w.ready;
    const { child } = w;
    const answer = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ShimError('worker did not serve the pod in time', 'ERR_SHIM_INTERNAL')),
        SERVE_TIMEOUT_MS,
      );
      child.once('message', (m: unknown) => {
        clearTimeout(timer);
        const msg = m as WorkerMessage;
        if (msg.type === 'serving') resolve();
        else
          reject(new ShimError(msg.type === 'failed' ? msg.message : 'worker failed', 'ERR_SHIM_INTERNAL'));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new ShimError(`worker exited (${code}) while taking the pod`, 'ERR_SHIM_INTERNAL'));
      });
    });
    child.send({ type: 'serve', request } satisfies WorkerMessage);
    try {
      await answer;
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    child.unref();
    child.channel?.unref();
    return child.pid ?? 0;
  }

  /** Stops the idle workers (daemon shutdown); serving workers are left alone. */
  stopIdle(): void {
    for (const w of this.idle.splice(0)) w.child.kill('SIGTERM');
  }
}
