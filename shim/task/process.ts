import type { OpenedStdio, StdioSpec } from '../io/stdio.js';
import { type LifecycleEvent, type ProcessStatus, transition } from './lifecycle.js';

/** A protobuf Timestamp as protobufjs objects carry it. */
export interface Timestamp {
  readonly seconds: number;
  readonly nanos: number;
}

/** The Timestamp of a JS time in milliseconds. */
export function timestamp(ms: number): Timestamp {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

/** Exit status containerd records for a process that never reported one (killed with its pod). */
export const UNKNOWN_EXIT_STATUS = 255;

/**
 * One process of a task: the container's init (execId '') or an exec. Holds its lifecycle state,
 * stdio, and the promise Wait blocks on (usable before Start).
 */
export class TaskProcess {
  readonly containerId: string;
  readonly execId: string;
  readonly stdio: StdioSpec;
  /** Exec's OCI process spec (JSON); undefined for the init process. */
  readonly execSpec: Record<string, unknown> | undefined;
  status: ProcessStatus = 'created';
  pid = 0;
  exitStatus = 0;
  exitedAt: Timestamp | undefined;
  opened: OpenedStdio | undefined;
  /** Resolves when every byte of stdout/stderr was relayed. */
  outputDone: Promise<void> = Promise.resolve();
  /** Resolves after CloseIO's pending stdin writes are flushed. */
  stdinFlushed: () => Promise<void> = () => Promise.resolve();
  /** The one CloseStdin call, once made. */
  stdinClose: Promise<void> | undefined;
  private resolveExit!: () => void;
  /** Resolves once the process is stopped. */
  readonly exited: Promise<void>;

  constructor(containerId: string, execId: string, stdio: StdioSpec, execSpec?: Record<string, unknown>) {
    this.containerId = containerId;
    this.execId = execId;
    this.stdio = stdio;
    this.execSpec = execSpec;
    this.exited = new Promise((r) => {
      this.resolveExit = r;
    });
  }

  /** `container` or `container/exec`, for messages. */
  get name(): string {
    return this.execId ? `${this.containerId}/${this.execId}` : this.containerId;
  }

  /** The exec id the Kata agent knows this process by (the container id for init). */
  get agentExecId(): string {
    return this.execId || this.containerId;
  }

  /** Applies a lifecycle event or throws FailedPrecondition. */
  apply(event: LifecycleEvent): void {
    this.status = transition(this.name, this.status, event);
  }

  /** Marks the process stopped with its status, once. Returns false if it already was. */
  markExited(status: number, atMs: number): boolean {
    if (this.status === 'stopped' || this.status === 'deleted') return false;
    this.status = 'stopped';
    this.exitStatus = status;
    this.exitedAt = timestamp(atMs);
    this.resolveExit();
    return true;
  }
}
