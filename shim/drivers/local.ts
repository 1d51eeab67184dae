import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HybridVsockMuxer } from '../../proto/index.js';
import type { WardConfig } from '../config/schema.js';
import { KATA_GUEST_SHARED_DIR } from '../translate/kata-paths.js';
import type { Logger } from '../worker/logging.js';
import { dialAgent } from './dial.js';
import type { SandboxDriver, SandboxHandle } from './types.js';

/** The vsock port the kata-agent listens on in a guest. */
export const KATA_AGENT_VSOCK_PORT = 1024;

/** Joins a muxed connection to the agent's (or proxy's) unix socket, byte for byte. */
function splice(guestSide: Socket, unixPath: string): void {
  const agentSide = connect(unixPath);
  const close = (): void => {
    guestSide.destroy();
    agentSide.destroy();
  };
  guestSide.on('error', close).on('close', close);
  agentSide.on('error', close).on('close', close);
  guestSide.pipe(agentSide);
  agentSide.pipe(guestSide);
}

/** Grace period for a stopping agent or proxy process before SIGKILL. */
const STOP_GRACE_MS = 3_000;

/** An agent served inside the worker process, on its own socket. */
export interface InProcessAgent {
  close(): Promise<void>;
}

/** Starts ward-runc-agent inside this process (the `in-process` mode); provided by the worker. */
export type InProcessAgentStarter = (
  listen: string,
  root: string,
  log: Logger,
  runc: string,
) => Promise<InProcessAgent>;

/** Where the local driver keeps a pod's agent: its guest root and sockets. */
export interface LocalLayout {
  readonly root: string;
  readonly agentSocket: string;
  readonly proxySocket: string;
  /** Hybrid-vsock muxer socket (transport = "hvsock"), as a VMM would expose it. */
  readonly muxerSocket: string;
}

/** The layout under a pod's sandbox directory. */
export function localLayout(sandboxDir: string): LocalLayout {
  return {
    root: join(sandboxDir, 'r'),
    agentSocket: join(sandboxDir, 'agent.sock'),
    proxySocket: join(sandboxDir, 'proxy.sock'),
    muxerSocket: join(sandboxDir, 'hvsock.sock'),
  };
}

/** `dist/bin/<name>`, next to the shim's own launcher. */
export function siblingBinary(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', name);
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The `local` driver (development and CI): per pod, one ward-runc-agent whose root directory
 * stands in for the guest, reachable on a unix socket in the pod's sandbox directory, in this
 * process or as its own process (`sandbox.local.agent`). The guest's shared directory is a
 * directory under that root, so sharing a rootfs is a bind mount. With `sandbox.local.policy`
 * set, ward-agent-proxy is started in front of the agent and the shim talks to the proxy.
 */
export class LocalDriver implements SandboxDriver {
  readonly kind = 'local' as const;
  readonly layout: LocalLayout;
  private readonly measureName: string;
  private readonly cfg: WardConfig;
  private readonly log: Logger;
  private readonly startInProcess: InProcessAgentStarter;
  private readonly onPids: (pids: Record<string, number>) => Promise<void>;
  private inProcess: InProcessAgent | undefined;
  private agentProc: ChildProcess | undefined;
  private proxyProc: ChildProcess | undefined;
  private handle: SandboxHandle | undefined;
  private muxer: HybridVsockMuxer | undefined;

  constructor(opts: {
    cfg: WardConfig;
    sandboxDir: string;
    /** The pod's group id (its sandbox id): names its measurement directory. */
    podId?: string;
    log: Logger;
    startInProcess: InProcessAgentStarter;
    /** Records helper process ids on disk so `delete` can stop them when this process is gone. */
    onPids: (pids: Record<string, number>) => Promise<void>;
  }) {
    this.cfg = opts.cfg;
    // Operators look for a pod's log by its sandbox id; anything unsafe as a file name falls back
    // to the pod's directory key.
    this.measureName =
      opts.podId !== undefined && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(opts.podId)
        ? opts.podId
        : basename(dirname(opts.sandboxDir));
    this.layout = localLayout(opts.sandboxDir);
    this.log = opts.log;
    this.startInProcess = opts.startInProcess;
    this.onPids = opts.onPids;
  }

  async start(): Promise<SandboxHandle> {
    const local = this.cfg.sandbox.local;
    await mkdir(join(this.layout.root, KATA_GUEST_SHARED_DIR), { recursive: true, mode: 0o700 });
    await rm(this.layout.agentSocket, { force: true });
    const listen = `unix://${this.layout.agentSocket}`;
    const pids: Record<string, number> = {};
    if (local.agent === 'in-process') {
      this.inProcess = await this.startInProcess(listen, this.layout.root, this.log, local.runc);
    } else {
      const bin = local.agent_binary || siblingBinary('ward-runc-agent');
      const args = [
        '--listen',
        listen,
        '--root',
        this.layout.root,
        ...(local.runc ? ['--runc', local.runc] : []),
      ];
      this.agentProc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
      this.agentProc.on('error', (err) =>
        this.log.error({ err: err.message }, 'ward-runc-agent failed to start'),
      );
      pids['agent'] = this.agentProc.pid ?? 0;
    }
    let target = this.layout.agentSocket;
    if (local.policy) {
      // ward-agent-proxy in front of the agent: policy and measurement, one log per pod.
      await rm(this.layout.proxySocket, { force: true });
      const measureDir = join(local.measure_dir, this.measureName);
      await mkdir(measureDir, { recursive: true, mode: 0o700 });
      const bin = local.proxy_binary || siblingBinary('ward-agent-proxy');
      const args = [
        ...['--listen', `unix://${this.layout.proxySocket}`, '--agent', listen, '--policy', local.policy],
        ...[
          '--log',
          join(measureDir, 'measurement.log'),
          '--register',
          `software:${join(measureDir, 'register')}`,
        ],
        ...(this.cfg.identity.dir === '' ? [] : ['--identity-dir', this.cfg.identity.dir]),
      ];
      this.proxyProc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      // The proxy's refusal to start (bad policy, unrecoverable log) is one line: keep it visible.
      this.proxyProc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        for (const line of chunk.split('\n'))
          if (line.trim() !== '') this.log.warn({ proxy: line.trim() }, 'ward-agent-proxy');
      });
      this.proxyProc.on('error', (err) =>
        this.log.error({ err: err.message }, 'ward-agent-proxy failed to start'),
      );
      pids['proxy'] = this.proxyProc.pid ?? 0;
      target = this.layout.proxySocket;
    }
    await this.onPids(pids);
    let dialAddress = `unix://${target}`;
    if (local.transport === 'hvsock') {
      // The VMM's part played locally: a hybrid-vsock muxer socket whose port 1024 (the Kata
      // agent's vsock port) leads to the agent, so the shim speaks CONNECT 1024 as with a VM.
      this.muxer = await HybridVsockMuxer.listen(this.layout.muxerSocket, {
        peerCredentials: 'same-user',
        mode: 0o600,
      });
      this.muxer.register(KATA_AGENT_VSOCK_PORT, (guestSide: Socket) => splice(guestSide, target));
      dialAddress = `hvsock://${this.layout.muxerSocket}:${KATA_AGENT_VSOCK_PORT}`;
    }
    try {
      const agent = await dialAgent(
        dialAddress,
        this.cfg.agent.dial_timeout_ms,
        this.cfg.agent.request_timeout_ms,
      );
      this.handle = {
        agent,
        sharedDir: join(this.layout.root, KATA_GUEST_SHARED_DIR),
        pid: this.agentProc?.pid ?? process.pid,
      };
      return this.handle;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.handle?.agent.close();
    this.handle = undefined;
    await stopChild(this.proxyProc);
    this.proxyProc = undefined;
    await stopChild(this.agentProc);
    this.agentProc = undefined;
    await this.muxer?.close();
    this.muxer = undefined;
    await this.inProcess?.close();
    this.inProcess = undefined;
    await rm(this.layout.agentSocket, { force: true });
    await rm(this.layout.proxySocket, { force: true });
  }
}
