import { AgentError, processNotFound } from './errors.js';
import type { ContainerProcess } from './process.js';
import type { StorageRecord } from './storage.js';

/** Lifecycle of a container, mirroring runc's statuses. */
export type ContainerState = 'created' | 'running' | 'paused' | 'stopped';

const TRANSITIONS: Readonly<Record<ContainerState, readonly ContainerState[]>> = {
  created: ['running', 'stopped'],
  running: ['paused', 'stopped'],
  paused: ['running', 'stopped'],
  stopped: [],
};

/**
 * One container of the sandbox: its runc id, bundle, storages, init process and exec'd
 * processes. State changes go through {@link Container.move}, which refuses illegal ones
 * with FAILED_PRECONDITION.
 */
export class Container {
  /** Container id (also runc's id). */
  readonly id: string;
  /** Bundle directory holding config.json. */
  readonly bundle: string;
  /** Storages mounted for this container (removed with it). */
  readonly storages: readonly StorageRecord[];
  /** The init process. */
  readonly initProcess: ContainerProcess;
  readonly #execs = new Map<string, ContainerProcess>();
  #state: ContainerState = 'created';

  /** @param init the init process, created by `runc create`. */
  constructor(id: string, bundle: string, storages: readonly StorageRecord[], init: ContainerProcess) {
    this.id = id;
    this.bundle = bundle;
    this.storages = storages;
    this.initProcess = init;
    void init.wait().then(() => {
      if (this.#state !== 'stopped') this.#state = 'stopped';
    });
  }

  /** Current state. */
  get state(): ContainerState {
    return this.#state;
  }

  /** Moves to `to`; FAILED_PRECONDITION when the lifecycle forbids it. */
  move(to: ContainerState): void {
    if (this.#state === to) return;
    if (!TRANSITIONS[this.#state].includes(to)) {
      throw new AgentError(
        'FAILED_PRECONDITION',
        `container ${this.id} is ${this.#state}, cannot become ${to}`,
      );
    }
    this.#state = to;
  }

  /** Requires the container to be in one of `states` for operation `op`. */
  require(op: string, ...states: ContainerState[]): void {
    if (!states.includes(this.#state)) {
      throw new AgentError(
        'FAILED_PRECONDITION',
        `${op}: container ${this.id} is ${this.#state} (needs ${states.join(' or ')})`,
      );
    }
  }

  /** The process with `execId` ('' or the init's exec id mean the init). */
  process(execId: string): ContainerProcess {
    if (execId === '' || execId === this.initProcess.execId) return this.initProcess;
    const p = this.#execs.get(execId);
    if (!p) throw processNotFound(this.id, execId);
    return p;
  }

  /** Whether `execId` is taken (by the init or a live exec). */
  hasProcess(execId: string): boolean {
    return execId === this.initProcess.execId || this.#execs.has(execId);
  }

  /** Registers an exec'd process. */
  addExec(p: ContainerProcess): void {
    this.#execs.set(p.execId, p);
  }

  /** Forgets an exec'd process (after its status was collected and its output drained). */
  forgetExec(execId: string): void {
    this.#execs.get(execId)?.io.close();
    this.#execs.delete(execId);
  }

  /** Every process, init first. */
  get processes(): ContainerProcess[] {
    return [this.initProcess, ...this.#execs.values()];
  }
}
