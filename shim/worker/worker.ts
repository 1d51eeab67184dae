import { schemaRoot } from '../../proto/index.js';
import type { InProcessAgentStarter } from '../drivers/local.js';
import { type ServeRequest, servePod } from './serve.js';

/** Messages between the daemon and a worker over the IPC channel. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'serve'; readonly request: ServeRequest }
  | { readonly type: 'serving' }
  | { readonly type: 'failed'; readonly message: string };

function send(msg: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

/** Pods one worker process serves (one at a time) before it is replaced by a fresh one. */
export const MAX_PODS_PER_WORKER = 50;

/**
 * A warm worker: loads everything a pod needs (schemas, codecs, the in-process agent) before
 * it is needed, says `ready`, then serves the one pod the daemon assigns. When that pod is torn
 * down cleanly it says `ready` again and waits for the next pod (up to MAX_PODS_PER_WORKER), so
 * the warm path never pays for a Node start. Without a daemon to return to, it exits.
 */
export async function runWorker(startInProcess: InProcessAgentStarter): Promise<void> {
  schemaRoot();
  let serving = false;
  let served = 0;
  let daemonGone = false;
  const finish = (reusable: boolean): void => {
    serving = false;
    if (reusable && !daemonGone && served < MAX_PODS_PER_WORKER && process.connected) {
      void send({ type: 'ready' });
      return;
    }
    process.exit(0);
  };
  process.on('message', (raw: unknown) => {
    const msg = raw as WorkerMessage;
    if (msg.type !== 'serve' || serving) return;
    serving = true;
    served++;
    servePod(msg.request, startInProcess, finish)
      .then(() => send({ type: 'serving' }))
      .catch(async (err: unknown) => {
        await send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      });
  });
  // Idle workers stop with the daemon; serving ones finish their pod first.
  process.once('disconnect', () => {
    daemonGone = true;
    if (!serving) process.exit(0);
  });
  process.on('SIGTERM', () => {
    if (!serving) process.exit(0);
  });
  await send({ type: 'ready' });
}
