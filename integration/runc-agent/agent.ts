import { rmSync } from 'node:fs';
import { AGENT_SERVICE, HEALTH_SERVICE } from '../../proto/index.js';
import { Server, StatusCode, statusError } from '../../proto/ttrpc/index.js';
import { listenOn, parseListenAddress } from './listen.js';
import { type AgentLogger, Sandbox } from './runtime/index.js';
import { agentHandlers, healthHandlers } from './service/handlers.js';
import { RequestRecorder } from './service/recorder.js';
import { serviceDefinition } from './service/services.js';
import { stopWithin } from './stop.js';

/** Options of {@link startRuncAgent}. */
export interface RuncAgentOptions {
  /** Listen address in Ward's syntax (unix://, vsock://, hvsock://, tcp://) or a bare path. */
  readonly listen: string;
  /** Directory standing in for the guest root. */
  readonly root: string;
  /** Append one JSON line per received request here. */
  readonly record?: string;
  /** runc binary (default /usr/sbin/runc). */
  readonly runc?: string;
  readonly logger?: AgentLogger;
}

/** A running ward-runc-agent. */
export interface RuncAgent {
  /** The address it listens on (tcp port resolved). */
  readonly address: string;
  /** The sandbox it serves. */
  readonly sandbox: Sandbox;
  /** Requests received. */
  readonly recorder: RequestRecorder;
  /**
   * Stops serving and destroys the sandbox (no container, mount or process left), within
   * `timeoutMs` (default AGENT_STOP_TIMEOUT_MS). Past it, what remains is force-removed and the
   * stop rejects with DEADLINE_EXCEEDED saying what was left.
   */
  stop(timeoutMs?: number): Promise<void>;
}

const SILENT: AgentLogger = { info: () => undefined, warn: () => undefined };

/**
 * Starts the Kata-agent-compatible server: grpc.AgentService and grpc.Health over ttrpc, backed
 * by runc under `root`. Usable in-process (the shim's local driver) or through the binary.
 */
export async function startRuncAgent(opts: RuncAgentOptions): Promise<RuncAgent> {
  const log = opts.logger ?? SILENT;
  const addr = parseListenAddress(opts.listen);
  const sandbox = Sandbox.open({ root: opts.root, logger: log, ...(opts.runc ? { runc: opts.runc } : {}) });
  const recorder = new RequestRecorder(opts.record);
  const ctx = { sandbox, recorder, log };
  const server = new Server();
  server.register(AGENT_SERVICE, serviceDefinition(AGENT_SERVICE, agentHandlers(ctx), recorder));
  server.register(HEALTH_SERVICE, serviceDefinition(HEALTH_SERVICE, healthHandlers(), recorder));
  server.setFallback((payload, call) => {
    recorder.record(call.service, call.method, payload);
    throw statusError(
      StatusCode.UNIMPLEMENTED,
      `/${call.service}/${call.method} is not a method of ward-runc-agent`,
    );
  });
  const { server: listener, address } = await listenOn(addr);
  // No await between listenOn and serve: connections accepted meanwhile would be dropped.
  server.serve(listener);
  log.info({ address, root: opts.root }, 'ward-runc-agent listening');
  let stopped: Promise<void> | undefined;
  return {
    address,
    sandbox,
    recorder,
    stop(timeoutMs?: number) {
      stopped ??= stopWithin(
        {
          closeServer: () => server.close(),
          sandbox,
          log,
          release: () => {
            sandbox.close();
            if (addr.kind === 'unix' && !addr.abstract) rmSync(addr.path, { force: true });
          },
        },
        timeoutMs,
      );
      return stopped;
    },
  };
}
