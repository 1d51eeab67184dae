import type { ExitStatus } from '../../sys/index.js';
import { AgentError } from './errors.js';
import type { ProcessIo } from './stdio.js';
import type { OutputStream } from './stream.js';

/** Lifecycle of one container process (init or exec). */
export type ProcessState = 'created' | 'running' | 'exited';

const TRANSITIONS: Readonly<Record<ProcessState, readonly ProcessState[]>> = {
  created: ['running', 'exited'],
  running: ['exited'],
  exited: [],
};

/**
 * A process the agent started in a container, with its stdio and exit status. Its lifecycle
 * is an explicit state machine; `exited` is final and carries the exit code.
 */
export class ContainerProcess {
  /** The container. */
  readonly containerId: string;
  /** The exec id (for the init process, the one CreateContainer named). */
  readonly execId: string;
  /** Host pid. */
  readonly pid: number;
  /** Whether this is the container's init. */
  readonly init: boolean;
  readonly #io: ProcessIo;
  #state: ProcessState = 'created';
  #status: ExitStatus | undefined;
  readonly #exited: Promise<ExitStatus>;
  /** Set once a WaitProcess has returned the status (exec processes are then forgotten). */
  waited = false;

  /** @param exit resolves when the reaper collects the pid. */
  constructor(
    containerId: string,
    execId: string,
    pid: number,
    init: boolean,
    io: ProcessIo,
    exit: Promise<ExitStatus>,
  ) {
    this.containerId = containerId;
    this.execId = execId;
    this.pid = pid;
    this.init = init;
    this.#io = io;
    this.#exited = exit.then((s) => {
      this.#status = s;
      this.#move('exited');
      return s;
    });
  }

  /** Current state. */
  get state(): ProcessState {
    return this.#state;
  }

  /** The exit status once exited. */
  get status(): ExitStatus | undefined {
    return this.#status;
  }

  /** Stdio. */
  get io(): ProcessIo {
    return this.#io;
  }

  /** Marks the process started (runc start for an init; at once for an exec). */
  started(): void {
    if (this.#state === 'created') this.#move('running');
  }

  /** Resolves with the exit status (blocks until the process exits). */
  wait(): Promise<ExitStatus> {
    return this.#exited;
  }

  /** The output stream ReadStdout/ReadStderr serve; a terminal's is shared by both. */
  output(stderr: boolean): OutputStream {
    const s = stderr && !this.#io.terminal ? this.#io.stderr : this.#io.stdout;
    if (!s)
      throw new AgentError(
        'FAILED_PRECONDITION',
        `process ${this.execId} has no ${stderr ? 'stderr' : 'stdout'}`,
      );
    return s;
  }

  /** Whether every output stream has reached EOF and been read to the end. */
  get drained(): boolean {
    const out = this.#io.stdout?.drained ?? true;
    const err = this.#io.terminal ? true : (this.#io.stderr?.drained ?? true);
    return out && err;
  }

  /** Sends `signal` to this process only. ESRCH after exit is not an error. */
  signal(signal: number): void {
    if (this.#state === 'exited') return;
    try {
      process.kill(this.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') {
        throw new AgentError('INTERNAL', `kill(${this.pid}, ${signal}): ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
  }

  #move(to: ProcessState): void {
    if (this.#state === to) return;
    if (!TRANSITIONS[this.#state].includes(to)) {
      throw new AgentError(
        'FAILED_PRECONDITION',
        `process ${this.execId}: cannot go from ${this.#state} to ${to}`,
      );
    }
    this.#state = to;
  }
}
