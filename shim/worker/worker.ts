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

/**
 * A warm worker: loads everything a pod needs (schemas, codecs, the in-process agent) before
 * it is needed, says `ready`, then serves the one pod the daemon assigns. After that it is on
 * its own: it drops the IPC channel so the daemon may restart without touching running pods.
 */
export async function runWorker(startInProcess: InProcessAgentStarter): Promise<void> {
  schemaRoot();
  let assigned = false;
  process.once('message', (raw: unknown) => {
    const msg = raw as WorkerMessage;
    if (msg.type !== 'serve') return;
    assigned = true;
    servePod(msg.request, startInProcess)
      .then(() => send({ type: 'serving' }))
      .catch(async (err: unknown) => {
        await send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      })
      .finally(() => {
        if (process.connected) process.disconnect();
      });
  });
  // An orphaned idle worker (daemon gone before assigning it a pod) has nothing to do.
  process.once('disconnect', () => {
    if (!assigned) process.exit(0);
  });
  await send({ type: 'ready' });
}
