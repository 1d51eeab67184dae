import { AGENT_SERVICE, EVENTS_SERVICE, messageType, TASK_SERVICE } from '../../proto/index.js';
import type { InProcessAgentStarter } from '../drivers/local.js';
import { methodTypes } from '../wire/codec.js';
import { type ServeRequest, servePod } from './serve.js';

/**
 * Methods every pod's lifecycle calls (ctr run to delete, a CRI sandbox alike): their message
 * types are built while the worker is idle, so the first pod does not wait for them. Types only
 * rarer calls need (exec, tty, pause, stats, update) are built on first use: building all of
 * them would cost every worker ~0.3 MB of heap for calls most pods never make.
 */
const LIFECYCLE_METHODS: readonly (readonly [string, readonly string[]])[] = [
  [TASK_SERVICE, ['Connect', 'Create', 'Start', 'State', 'Wait', 'Kill', 'Delete', 'Shutdown']],
  [
    AGENT_SERVICE,
    [
      'CreateSandbox',
      'CreateContainer',
      'StartContainer',
      'WaitProcess',
      'ReadStdout',
      'ReadStderr',
      'SignalProcess',
      'RemoveContainer',
      'GetOOMEvent',
      'DestroySandbox',
    ],
  ],
  [EVENTS_SERVICE, ['Forward']],
];

/** Event payloads of every pod (the Any inside Forward). */
const LIFECYCLE_EVENTS = [
  'containerd.events.TaskCreate',
  'containerd.events.TaskStart',
  'containerd.events.TaskExit',
  'containerd.events.TaskDelete',
];

function preloadLifecycleTypes(): void {
  for (const [service, methods] of LIFECYCLE_METHODS) {
    for (const method of methods) {
      const { request, response } = methodTypes(service, method);
      messageType(request);
      messageType(response);
    }
  }
  for (const name of LIFECYCLE_EVENTS) messageType(name);
}

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
 * A warm worker: loads everything a pod needs (the lifecycle's message types, codecs, the
 * in-process agent) before it is needed, says `ready`, then serves the one pod the daemon assigns. When that pod is torn
 * down cleanly it says `ready` again and waits for the next pod (up to MAX_PODS_PER_WORKER), so
 * the warm path never pays for a Node start. Without a daemon to return to, it exits.
 */
export async function runWorker(startInProcess: InProcessAgentStarter): Promise<void> {
  preloadLifecycleTypes();
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
