import { existsSync, readFileSync } from 'node:fs';
import { AgentError, bytes, type Msg, num, type Sandbox, str } from '../runtime/index.js';
import { GUEST_ONLY } from './guest-only.js';
import type { RequestRecorder } from './recorder.js';

/** The version the agent reports in Health/Version and GetGuestDetails. */
export const AGENT_VERSION = '0.1.0-ward-runc-agent';
/** Storage drivers the agent handles (GetGuestDetails' storage_handlers). */
export const STORAGE_HANDLERS = ['virtio-fs', '9p', 'local', 'ephemeral', 'overlayfs', 'watchable-bind'];

/**
 * One method's implementation: decoded request in, response object (proto field names) out.
 * `signal` aborts when the caller's deadline passes or its connection drops, so blocking calls
 * stop waiting instead of consuming output or events nobody will receive.
 */
export type Handler = (
  req: Msg,
  signal: AbortSignal,
) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** What the handlers need besides the sandbox. */
export interface HandlerContext {
  readonly sandbox: Sandbox;
  readonly recorder: RequestRecorder;
  readonly log: { info(o: object, m: string): void };
}

/** Awaits an operation whose response is google.protobuf.Empty. */
async function empty(op: unknown): Promise<Record<string, unknown>> {
  await op;
  return {};
}

/** grpc.AgentService's methods, with the kata-agent's semantics, over a {@link Sandbox}. */
export function agentHandlers(ctx: HandlerContext): Record<string, Handler> {
  const sb = ctx.sandbox;
  const cid = (req: Msg): string => str(req, 'container_id', 'request');
  const eid = (req: Msg): string => str(req, 'exec_id', 'request');
  const handlers: Record<string, Handler> = {
    CreateSandbox: (req) => empty(sb.createSandbox(req)),
    DestroySandbox: () => empty(sb.destroy()),
    CreateContainer: (req) => empty(sb.createContainer(req)),
    StartContainer: (req) => empty(sb.startContainer(cid(req))),
    RemoveContainer: (req) => empty(sb.removeContainer(cid(req), num(req, 'timeout', 'request'))),
    ExecProcess: (req) => empty(sb.execProcess(req)),
    SignalProcess: (req) => empty(sb.signalProcess(cid(req), eid(req), num(req, 'signal', 'request'))),
    WaitProcess: async (req, signal) => ({ status: await sb.waitProcess(cid(req), eid(req), signal) }),
    ReadStdout: async (req, signal) => ({
      data: await sb.readOutput(cid(req), eid(req), num(req, 'len', 'request'), false, signal),
    }),
    ReadStderr: async (req, signal) => ({
      data: await sb.readOutput(cid(req), eid(req), num(req, 'len', 'request'), true, signal),
    }),
    WriteStdin: async (req) => ({
      len: await sb.writeStdin(cid(req), eid(req), bytes(req, 'data', 'request')),
    }),
    CloseStdin: (req) => empty(sb.closeStdin(cid(req), eid(req))),
    TtyWinResize: (req) =>
      empty(sb.resizeTerminal(cid(req), eid(req), num(req, 'row', 'request'), num(req, 'column', 'request'))),
    PauseContainer: (req) => empty(sb.pause(cid(req))),
    ResumeContainer: (req) => empty(sb.resume(cid(req))),
    UpdateContainer: (req) => empty(sb.update(cid(req), (req['resources'] as Msg | null) ?? undefined)),
    StatsContainer: async (req) => ({ cgroup_stats: await sb.stats(cid(req)), network_stats: [] }),
    GetOOMEvent: async (_req, signal) => ({ container_id: await sb.oomEvent(signal) }),
    CopyFile: (req) => empty(sb.copyFile(req)),
    GetGuestDetails: (req) => guestDetails(req),
    GetMetrics: () => ({ metrics: metrics(ctx) }),
    SetPolicy: () => {
      throw new AgentError(
        'UNIMPLEMENTED',
        'SetPolicy: policy is enforced by ward-agent-proxy, not by this agent',
      );
    },
  };
  for (const [name, fn] of Object.entries(GUEST_ONLY)) {
    handlers[name] = (req) => {
      ctx.log.info({ method: name }, 'guest-only operation accepted; it has no effect on the host');
      return fn(req);
    };
  }
  return handlers;
}

/** grpc.Health's methods. */
export function healthHandlers(): Record<string, Handler> {
  return {
    Check: () => ({ status: 1 }),
    Version: () => ({ grpc_version: 'ttrpc', agent_version: AGENT_VERSION }),
  };
}

function guestDetails(req: Msg): Record<string, unknown> {
  let blockSize = 0n;
  if (req['mem_block_size'] === true) {
    try {
      blockSize = BigInt(`0x${readFileSync('/sys/devices/system/memory/block_size_bytes', 'utf8').trim()}`);
    } catch {
      blockSize = 0n;
    }
  }
  return {
    mem_block_size_bytes: blockSize,
    agent_details: {
      version: AGENT_VERSION,
      init_daemon: false,
      device_handlers: [],
      storage_handlers: STORAGE_HANDLERS,
      supports_seccomp: true,
    },
    support_mem_hotplug_probe:
      req['mem_hotplug_probe'] === true && existsSync('/sys/devices/system/memory/probe'),
  };
}

function metrics(ctx: HandlerContext): string {
  const lines = [
    '# HELP ward_runc_agent_requests_total Requests received, by method.',
    '# TYPE ward_runc_agent_requests_total counter',
  ];
  for (const [m, n] of ctx.recorder.counts) lines.push(`ward_runc_agent_requests_total{method="${m}"} ${n}`);
  lines.push(
    '# HELP ward_runc_agent_containers Containers in the sandbox.',
    '# TYPE ward_runc_agent_containers gauge',
  );
  lines.push(`ward_runc_agent_containers ${ctx.sandbox.containerIds.length}`);
  return `${lines.join('\n')}\n`;
}
