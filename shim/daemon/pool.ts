import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { ShimError } from '../errors.js';
import type { ServeRequest } from '../worker/serve.js';
import type { WorkerMessage } from '../worker/worker.js';

/** How long a fresh worker may take to load before it counts as failed. */
const WORKER_READY_TIMEOUT_MS = 30_000;

/**
 * V8 flags of workers: a 1 MiB young generation instead of 16 MiB semi-spaces, no optimizing
 * compiler (lite mode), no WebAssembly (which workers do not use; said explicitly, or lite
 * mode disables it with a warning on stderr), and no V8 helper threads (`--single-threaded`:
 * garbage collection and compilation on the main thread; about 0.3 MB PSS per worker). A
 * worker's heap is small and long-lived and its work is I/O; resident memory per pod is what a
 * node pays for.
 */
export const WORKER_NODE_FLAGS = [
  '--max-semi-space-size=1',
  '--lite-mode',
  '--no-expose-wasm',
  '--single-threaded',
];

/** Delay between handing out a worker and starting replacements. */
const REFILL_DELAY_MS = 1_000;

/** How long a worker may take to bind a pod's socket. */
const SERVE_TIMEOUT_MS = 15_000;

interface Worker {
  readonly child: ChildProcess;
  /** Resolves when the worker (again) says `ready`. */
  ready: Promise<void>;
  /** Waiter for the answer to the current `serve`. */
  answer: ((msg: WorkerMessage) => void) | undefined;
}

/**
 * Pre-started idle workers. `assign()` hands a pod to a loaded one (or starts one when the pool
 * is empty: the cold path) and refills the pool in the background. A worker whose pod ended
 * cleanly says `ready` again and rejoins the pool, so a busy node rarely starts Node at all.
 * Workers run detached in their own session: a crash of one worker or of the daemon takes
 * nothing else down.
 */
export class WorkerPool {
  private readonly size: number;
  private readonly main: string;
  private readonly logPath: string;
  private readonly idle: Worker[] = [];
  private refill: NodeJS.Timeout | undefined;

  constructor(size: number, main: string, logPath: string) {
    this.size = size;
    this.main = main;
    this.logPath = logPath;
  }

  private spawnWorker(): Worker {
    const log = openSync(this.logPath, 'a');
    const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, this.main, 'worker'], {
      stdio: ['ignore', log, log, 'ipc'],
      detached: true,
    });
    let markReady!: () => void;
    let fail!: (e: Error) => void;
    const w: Worker = {
      child,
      ready: new Promise<void>((resolve, reject) => {
        markReady = resolve;
        fail = reject;
      }),
      answer: undefined,
    };
    w.ready.catch(() => undefined);
    const timer = setTimeout(
      () => fail(new ShimError('worker did not become ready', 'ERR_SHIM_INTERNAL')),
      WORKER_READY_TIMEOUT_MS,
    );
    let first = true;
    child.on('message', (raw: unknown) => {
      const msg = raw as WorkerMessage;
      if (msg.type === 'ready') {
        if (first) {
          first = false;
          clearTimeout(timer);
          markReady();
        } else this.returned(w);
        return;
      }
      w.answer?.(msg);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new ShimError(`worker exited (${code}) before it was ready`, 'ERR_SHIM_INTERNAL'));
      w.answer?.({ type: 'failed', message: `worker exited (${code}) while taking the pod` });
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return w;
  }

  /** A worker finished its pod cleanly: back into the pool, or stopped when the pool is full. */
  private returned(w: Worker): void {
    if (this.idle.length >= this.size) {
      w.child.kill('SIGTERM');
      return;
    }
    w.ready = Promise.resolve();
    this.idle.unshift(w);
  }

  /** Fills the pool up to its size. */
  fill(): void {
    while (this.idle.length < this.size) this.idle.push(this.spawnWorker());
  }

  /** Starts one worker now and fills the pool after the refill delay. */
  prime(): void {
    if (this.size > 0 && this.idle.length === 0) this.idle.push(this.spawnWorker());
    this.scheduleFill();
  }

  private scheduleFill(): void {
    this.refill ??= setTimeout(() => {
      this.refill = undefined;
      this.fill();
    }, REFILL_DELAY_MS);
  }

  /** Waits until every pooled worker is loaded. */
  async warm(): Promise<void> {
    await Promise.allSettled(this.idle.map((w) => w.ready));
  }

  /** Hands `request` to a warm worker and resolves with its pid once it serves the socket. */
  async assign(request: ServeRequest): Promise<number> {
    const w = this.idle.shift() ?? this.spawnWorker();
    // Refill a little later: a worker whose pod ends meanwhile comes back and makes the spawn
    // unnecessary, and a new Node process does not compete with this pod's start for the CPU.
    this.scheduleFill();
    await w.ready;
    const answer = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ShimError('worker did not serve the pod in time', 'ERR_SHIM_INTERNAL')),
        SERVE_TIMEOUT_MS,
      );
      w.answer = (msg) => {
        clearTimeout(timer);
        w.answer = undefined;
        if (msg.type === 'serving') resolve();
        else
          reject(new ShimError(msg.type === 'failed' ? msg.message : 'worker failed', 'ERR_SHIM_INTERNAL'));
      };
    });
    w.child.send({ type: 'serve', request } satisfies WorkerMessage);
    try {
      await answer;
    } catch (err) {
      w.child.kill('SIGKILL');
      throw err;
    }
    return w.child.pid ?? 0;
  }

  /** Stops the idle workers (daemon shutdown); serving workers are left alone. */
  stopIdle(): void {
    for (const w of this.idle.splice(0)) w.child.kill('SIGTERM');
  }
}
