/** A Kata agent request or response as a plain object with agent.proto field names. */
export type AgentMessage = Record<string, unknown>;

/** Per-call options of an agent request. */
export interface AgentCallOptions {
  /** Deadline in milliseconds; none for calls that block by design (WaitProcess, ReadStdout). */
  readonly timeoutMs?: number;
}

/**
 * The Kata agent API as the task service uses it: `grpc.AgentService/<method>` with
 * agent.proto messages. Errors are ShimError (code ERR_SHIM_AGENT when unreachable) or the
 * agent's own status, carried as `cause`.
 */
export interface AgentClient {
  call(method: string, request: AgentMessage, opts?: AgentCallOptions): Promise<AgentMessage>;
  close(): void;
}

/** What a driver hands the task service once the pod's agent is reachable. */
export interface SandboxHandle {
  readonly agent: AgentClient;
  /**
   * Host directory the guest sees as /run/kata-containers/shared/containers (virtio-fs in a VM,
   * a directory under the local agent's root on the host); undefined when the driver cannot
   * share host files (remote agents).
   */
  readonly sharedDir: string | undefined;
  /** The pid containerd shows for the pod's tasks (Kata shows its hypervisor's). */
  readonly pid: number;
}

/**
 * A sandbox driver: makes a pod's Kata agent reachable and takes it down again. `local` runs
 * ward-runc-agent per pod (and ward-agent-proxy when a policy is configured), `remote` dials an
 * agent somewhere else. A driver that boots VMs would be a third implementation.
 */
export interface SandboxDriver {
  readonly kind: 'local' | 'remote';
  start(): Promise<SandboxHandle>;
  /** Stops what start() started; idempotent. */
  stop(): Promise<void>;
}

/**
 * Clean-up when the process that served a pod is gone (the binary `delete`): kill and remove
 * what the pod's agent left on the host. Runs in a fresh process with only on-disk state.
 */
export interface OfflineCleaner {
  removeContainer(containerId: string): Promise<void>;
  destroySandbox(): Promise<void>;
}
