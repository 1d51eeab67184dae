import { existsSync } from 'node:fs';
import { Errno, type ExitStatus, reapPid, SysError, setChildSubreaper } from '../../sys/index.js';

/** Safety-net sweep interval: signals coalesce, so a sweep also runs on every SIGCHLD. */
export const REAP_SWEEP_MS = 1000;
/** Status reported for a process whose exit could not be collected (not our child). */
export const UNKNOWN_EXIT = 255;

type Watch = { resolve: (s: ExitStatus) => void; orphan: boolean };

/**
 * Collects the exits of container processes. The agent is a child subreaper, so container
 * inits and detached execs become its children once runc exits; each is waited for by its own
 * pid (never waitpid(-1)), which leaves the children libuv spawned for child_process alone.
 */
export class Reaper {
  static #shared: Reaper | undefined;

  /** The process-wide reaper: several sandboxes in one process (in-process agents) share it. */
  static shared(): Reaper {
    Reaper.#shared ??= new Reaper();
    return Reaper.#shared;
  }

  readonly #watched = new Map<number, Watch>();
  readonly #timer: NodeJS.Timeout;
  readonly #onSignal = (): void => this.sweep();

  /** Makes this process a subreaper and starts listening for SIGCHLD. */
  constructor() {
    setChildSubreaper();
    process.on('SIGCHLD', this.#onSignal);
    this.#timer = setInterval(this.#onSignal, REAP_SWEEP_MS);
    this.#timer.unref();
  }

  /** Resolves when `pid` exits, with its exit code (128 + n for signal n); rejects a pid that is not positive. */
  watch(pid: number): Promise<ExitStatus> {
    if (!Number.isSafeInteger(pid) || pid <= 0) {
      return Promise.reject(new SysError('waitpid', Errno.EINVAL, String(pid)));
    }
    return new Promise((resolve) => {
      this.#watched.set(pid, { resolve, orphan: false });
      // A pending wait keeps the process alive, like a child_process handle does.
      this.#timer.ref();
      this.#check(pid);
    });
  }

  /** Number of processes being watched. */
  get size(): number {
    return this.#watched.size;
  }

  /** Checks every watched pid once. */
  sweep(): void {
    for (const pid of [...this.#watched.keys()]) this.#check(pid);
  }

  /** Stops listening. Watches still pending never resolve. */
  close(): void {
    process.off('SIGCHLD', this.#onSignal);
    clearInterval(this.#timer);
  }

  #check(pid: number): void {
    const w = this.#watched.get(pid);
    if (!w) return;
    let status: ExitStatus | undefined;
    if (w.orphan) {
      // Not our child (re-parented elsewhere): all that can be known is when it is gone.
      if (!existsSync(`/proc/${pid}`)) status = { code: UNKNOWN_EXIT };
    } else {
      try {
        status = reapPid(pid);
      } catch (err) {
        if (!(err instanceof SysError)) throw err;
        w.orphan = true;
        if (!existsSync(`/proc/${pid}`)) status = { code: UNKNOWN_EXIT };
      }
    }
    if (status) {
      this.#watched.delete(pid);
      if (this.#watched.size === 0) this.#timer.unref();
      w.resolve(status);
    }
  }
}
