import { oomKillCount } from './cgroups.js';
import { AgentError } from './errors.js';

/** How often memory cgroups are checked while someone waits in GetOOMEvent. */
export const OOM_POLL_MS = 250;

/**
 * Turns OOM kills in containers' memory cgroups into GetOOMEvent answers (the container id).
 * Counters are compared with the last value seen, so a kill that happened while nobody was
 * waiting is still reported by the next call; polling runs only while a call waits.
 */
export class OomWatcher {
  readonly #tracked = new Map<string, { cgroup: string; seen: number }>();
  readonly #queue: string[] = [];
  #waiters: { resolve: (id: string) => void; reject: (e: Error) => void }[] = [];
  #timer: NodeJS.Timeout | undefined;

  /** Starts watching a container's memory cgroup. */
  track(containerId: string, cgroupPath: string): void {
    this.#tracked.set(containerId, { cgroup: cgroupPath, seen: oomKillCount(cgroupPath) ?? 0 });
  }

  /** Checks a container one last time (its cgroup is about to go) and stops watching it. */
  untrack(containerId: string): void {
    this.#poll();
    this.#tracked.delete(containerId);
  }

  /**
   * Resolves with the id of the next container that had an OOM kill. A call whose `signal`
   * aborts leaves the queue, so the event goes to the next caller instead of being lost.
   */
  next(signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const ready = this.#queue.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const w = { resolve, reject };
      this.#waiters.push(w);
      signal?.addEventListener(
        'abort',
        () => {
          this.#waiters = this.#waiters.filter((x) => x !== w);
          if (this.#waiters.length === 0) this.#stop();
          reject(signal.reason);
        },
        { once: true },
      );
      this.#timer ??= setInterval(() => this.#poll(), OOM_POLL_MS);
    });
  }

  /** Fails every waiting call and forgets every container (DestroySandbox, agent shutdown). */
  close(): void {
    this.#stop();
    this.#tracked.clear();
    this.#queue.length = 0;
    const w = this.#waiters;
    this.#waiters = [];
    for (const x of w) x.reject(new AgentError('FAILED_PRECONDITION', 'the sandbox is destroyed'));
  }

  #poll(): void {
    for (const [id, t] of this.#tracked) {
      const n = oomKillCount(t.cgroup);
      if (n !== undefined && n > t.seen) {
        t.seen = n;
        this.#queue.push(id);
      }
    }
    while (this.#queue.length > 0 && this.#waiters.length > 0)
      this.#waiters.shift()?.resolve(this.#queue.shift()!);
    if (this.#waiters.length === 0) this.#stop();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
