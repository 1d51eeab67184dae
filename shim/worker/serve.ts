import { rm } from 'node:fs/promises';
import { listen, messageType, serviceMethods, TASK_SERVICE } from '../../proto/index.js';
import { Server, type ServiceDefinition, statusError, type UnaryHandler } from '../../proto/ttrpc/index.js';
import type { WardConfig } from '../config/schema.js';
import { type InProcessAgentStarter, LocalDriver } from '../drivers/local.js';
import { RemoteDriver } from '../drivers/remote.js';
import type { SandboxDriver } from '../drivers/types.js';
import { PodDir } from '../state/pod-state.js';
import { ShimIdentity } from '../task/identity.js';
import { SandboxSession } from '../task/sandbox-session.js';
import { TaskService } from '../task/service.js';
import { toWireStatus } from '../task/status.js';
import { decodeMessage, encodeMessage, methodTypes } from '../wire/codec.js';
import { TtrpcEventPublisher } from '../wire/events-publisher.js';
import { effectiveLevel, fileDestination, jsonLogger, type Logger, taskLogger } from './logging.js';

/** Longest a worker spends tidying up before it exits anyway. */
const EXIT_GRACE_MS = 5_000;

/** The v3 name containerd 2.x also calls the task service by (same messages). */
export const TASK_SERVICE_V3 = 'containerd.task.v3.Task';

/** What the daemon hands a warm worker: the pod to serve. */
export interface ServeRequest {
  readonly key: string;
  readonly runDir: string;
  readonly socket: string;
  readonly namespace: string;
  readonly group: string;
  readonly containerdAddress: string;
  readonly ttrpcAddress: string;
  readonly configPath: string;
  readonly config: WardConfig;
  readonly debug: boolean;
}

type Handler = (req: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Binds every Task method to the service: decode → handler → encode; errors via status.ts. */
export function taskDefinition(svc: TaskService, log: Logger): ServiceDefinition {
  const def: Record<string, UnaryHandler> = {};
  for (const method of serviceMethods(TASK_SERVICE)) {
    const { request, response } = methodTypes(TASK_SERVICE, method);
    const handler = (svc as unknown as Record<string, Handler | undefined>)[method];
    def[method] = async (payload) => {
      try {
        if (!handler) throw statusError(12, `${method}: not implemented`);
        const t0 = performance.now();
        const res = await handler.call(svc, decodeMessage(request, payload));
        log.debug({ rpc: method, ms: Math.round(performance.now() - t0) }, 'task rpc');
        return encodeMessage(response, res);
      } catch (err) {
        const s = toWireStatus(err);
        throw statusError(s.code, s.message);
      }
    };
  }
  return def;
}

/**
 * Serves one pod in this (pre-started) worker: the task service on the pod's socket (mode
 * 0600), the sandbox driver, events to containerd. Exits the process when the last task is gone
 * and containerd asked for Shutdown.
 */
export async function servePod(
  req: ServeRequest,
  startInProcess: InProcessAgentStarter,
  done: (reusable: boolean) => void,
): Promise<void> {
  const pod = new PodDir(req.runDir, req.key);
  const level = effectiveLevel(req.config.log_level, req.debug);
  const dest = fileDestination(pod.logFile);
  const log = jsonLogger([dest], level, { pid: process.pid, pod: req.group, ns: req.namespace });
  let driverPids: Record<string, number> = {};
  const record = async (): Promise<void> =>
    pod.writePod({
      key: req.key,
      namespace: req.namespace,
      group: req.group,
      socket: req.socket,
      containerdAddress: req.containerdAddress,
      ttrpcAddress: req.ttrpcAddress,
      configPath: req.configPath,
      workerPid: process.pid,
      driver: { kind: req.config.sandbox.driver, ...driverPids },
    });
  await record();
  const driver: SandboxDriver =
    req.config.sandbox.driver === 'remote'
      ? new RemoteDriver(req.config)
      : new LocalDriver({
          cfg: req.config,
          sandboxDir: pod.sandboxDir,
          podId: req.group,
          log,
          startInProcess,
          onPids: async (pids) => {
            driverPids = pids;
            await record();
          },
        });
  const events = new TtrpcEventPublisher(req.ttrpcAddress, req.namespace, log);
  const session = new SandboxSession({
    namespace: req.namespace,
    sandboxId: req.group,
    driver,
    events,
    log,
  });
  const ttrpc = new Server();
  const service: TaskService = new TaskService({
    session,
    events,
    pod,
    log,
    types: {
      spec: messageType('grpc.Spec'),
      process: messageType('grpc.Process'),
      resources: messageType('grpc.LinuxResources'),
    },
    onIdle: () => void shutdown(),
    taskLog: (id, bundle) => taskLogger(dest, level, bundle, id),
    // With ward-agent-proxy in front of the agent, the proxy records identities (measured).
    ...(req.config.identity.dir === '' ||
    (req.config.sandbox.driver === 'local' && req.config.sandbox.local.policy !== '')
      ? {}
      : { identity: new ShimIdentity(req.config.identity.dir, log) }),
  });
  let closing = false;
  const shutdown = async (force = false): Promise<void> => {
    if (closing || (service.size > 0 && !force)) return;
    closing = true;
    log.info({ forced: force }, 'last task gone: pod closes');
    // Whatever hangs below, the worker must not outlive its pod.
    const guard = setTimeout(() => process.exit(0), EXIT_GRACE_MS);
    guard.unref();
    process.off('SIGTERM', onTerm);
    await session.close().catch(() => undefined);
    log.debug('sandbox closed');
    await events.flush();
    log.debug('events flushed');
    await ttrpc.close();
    log.debug('ttrpc closed');
    await rm(req.socket, { force: true });
    await pod.remove();
    clearTimeout(guard);
    dest.end();
    // A pod torn down in order leaves a clean process that may serve another pod; a forced
    // stop (SIGTERM from `delete`) does not.
    done(!force);
  };
  const onTerm = (): void => {
    service.failAll(128 + 15);
    void session
      .close()
      .catch(() => undefined)
      .finally(() => void shutdown(true));
  };
  process.on('SIGTERM', onTerm);
  const def = taskDefinition(service, log);
  ttrpc.register(TASK_SERVICE, def);
  ttrpc.register(TASK_SERVICE_V3, def);
  // Only peers with the shim's uid may talk to it (SO_PEERCRED), as containerd's shims require;
  // a stale socket file is replaced.
  const net = await listen(`unix://${req.socket}`, { peerCredentials: 'same-user', mode: 0o600 });
  ttrpc.serve(net);
  log.info({ socket: req.socket }, 'serving pod');
}
