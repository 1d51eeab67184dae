import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AgentError } from './errors.js';
import { parseRuncJson } from './stats.js';

/** Where Debian's runc package installs the binary. */
export const DEFAULT_RUNC = '/usr/sbin/runc';
/** Output kept from one runc invocation (its JSON answers are small). */
const MAX_OUTPUT = 4 * 1024 * 1024;

/** Where runc's stdio goes: our own pipes (captured), or fds handed to the container. */
export type RuncStdio = { readonly fds: readonly [number, number, number] } | { readonly capture: true };

/** A failed runc invocation; `message` is runc's own error line. */
export class RuncError extends AgentError {
  /** runc's exit code. */
  readonly exitCode: number;

  /** @param args the subcommand line. @param exitCode runc's exit code. @param detail runc's message. */
  constructor(args: readonly string[], exitCode: number, detail: string) {
    super('INTERNAL', `runc ${args.join(' ')}: ${detail || `exit ${exitCode}`}`);
    this.exitCode = exitCode;
  }
}

/** Runs the runc CLI against one `--root`, one subcommand per method. */
export class Runc {
  readonly #binary: string;
  readonly #root: string;
  readonly #logDir: string;
  readonly #running = new Set<ChildProcess>();
  #seq = 0;

  /** @param root runc state directory. @param logDir where per-call JSON logs go. */
  constructor(root: string, logDir: string, binary = DEFAULT_RUNC) {
    this.#binary = binary;
    this.#root = root;
    this.#logDir = logDir;
  }

  /** `runc create` (detached): the container's init is left waiting for `start`. */
  create(
    id: string,
    bundle: string,
    pidFile: string,
    stdio: RuncStdio,
    consoleSocket?: string,
  ): Promise<string> {
    const args = ['create', '--bundle', bundle, '--pid-file', pidFile];
    if (consoleSocket) args.push('--console-socket', consoleSocket);
    return this.run([...args, id], stdio);
  }

  /** `runc start`: runs the user process of a created container. */
  start(id: string): Promise<string> {
    return this.run(['start', id]);
  }

  /** `runc exec --detach` of a process.json; the process is re-parented to us. */
  exec(
    id: string,
    processFile: string,
    pidFile: string,
    stdio: RuncStdio,
    consoleSocket?: string,
  ): Promise<string> {
    const args = ['exec', '--detach', '--process', processFile, '--pid-file', pidFile];
    if (consoleSocket) args.push('--console-socket', consoleSocket);
    return this.run([...args, id], stdio);
  }

  /** `runc kill` (with `--all`: every process of the container). */
  kill(id: string, signal: number, all = false): Promise<string> {
    return this.run(all ? ['kill', '--all', id, String(signal)] : ['kill', id, String(signal)]);
  }

  /**
   * `runc delete` (`--force` kills a running container first). With `timeoutMs`, a runc that
   * has not answered by then is killed and the call rejects.
   */
  delete(id: string, force = false, timeoutMs?: number): Promise<string> {
    return this.run(force ? ['delete', '--force', id] : ['delete', id], { capture: true }, timeoutMs);
  }

  /** `runc pause` (cgroup freezer). */
  pause(id: string): Promise<string> {
    return this.run(['pause', id]);
  }

  /** `runc resume`. */
  resume(id: string): Promise<string> {
    return this.run(['resume', id]);
  }

  /** `runc update -r FILE` with runtime-spec LinuxResources JSON. */
  update(id: string, resourcesFile: string): Promise<string> {
    return this.run(['update', '--resources', resourcesFile, id]);
  }

  /** `runc state`: the container's status, pid, bundle. */
  async state(id: string): Promise<RuncState> {
    return JSON.parse(await this.run(['state', id])) as RuncState;
  }

  /** `runc list`: every container under this root. */
  async list(): Promise<RuncState[]> {
    const out = await this.run(['list', '--format', 'json']);
    return (JSON.parse(out || 'null') as RuncState[] | null) ?? [];
  }

  /** Number of runc invocations still running. */
  get running(): number {
    return this.#running.size;
  }

  /** SIGKILLs every runc invocation still running (a stuck clean-up being forced). */
  killRunning(): void {
    for (const child of this.#running) child.kill('SIGKILL');
  }

  /** Ids of the containers runc has state for under its root (one directory each). */
  containerDirs(): string[] {
    try {
      return readdirSync(this.#root, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return [];
    }
  }

  /** `runc events --stats`: one cgroup statistics sample. */
  async stats(id: string): Promise<RuncStatsEvent> {
    return parseRuncJson(await this.run(['events', '--stats', id])) as unknown as RuncStatsEvent;
  }

  /**
   * Runs `runc --root R --log L --log-format json ARGS`; resolves with stdout. With `timeoutMs`,
   * runc is SIGKILLed after that long and the call rejects at once, without waiting for its
   * stdio to close (a descendant may hold it).
   */
  run(args: readonly string[], stdio: RuncStdio = { capture: true }, timeoutMs?: number): Promise<string> {
    const log = join(this.#logDir, `runc-${process.pid}-${++this.#seq}.log`);
    const full = ['--root', this.#root, '--log', log, '--log-format', 'json', ...args];
    return new Promise((resolve, reject) => {
      const child = spawn(this.#binary, full, {
        stdio: 'fds' in stdio ? [...stdio.fds] : ['ignore', 'pipe', 'pipe'],
      });
      this.#running.add(child);
      child.once('exit', () => this.#running.delete(child));
      let out = '';
      let err = '';
      child.stdout?.on('data', (d: Buffer) => {
        if (out.length < MAX_OUTPUT) out += d.toString('utf8');
      });
      child.stderr?.on('data', (d: Buffer) => {
        if (err.length < MAX_OUTPUT) err += d.toString('utf8');
      });
      child.on('error', (e) => {
        this.#running.delete(child);
        reject(new AgentError('INTERNAL', `cannot run ${this.#binary}: ${e.message}`, { cause: e }));
      });
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              child.kill('SIGKILL');
              reject(new RuncError(args, 128 + 9, `no answer after ${timeoutMs} ms: killed`));
            }, timeoutMs);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const detail = lastLogError(log) ?? err.trim();
        rmSync(log, { force: true });
        if (code === 0) resolve(out);
        else reject(new RuncError(args, code ?? 128, detail || (signal ? `killed by ${signal}` : '')));
      });
    });
  }
}

/** The fields of `runc state` / `runc list` Ward uses. */
export interface RuncState {
  readonly id: string;
  readonly pid: number;
  readonly status: 'created' | 'running' | 'paused' | 'stopped' | string;
  readonly bundle: string;
}

/** `runc events --stats` output: `{type: "stats", id, data: {cpu, memory, pids, blkio, hugetlb}}`. */
export interface RuncStatsEvent {
  readonly type: string;
  readonly id: string;
  readonly data?: Record<string, unknown>;
}

function lastLogError(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let msg: string | undefined;
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const rec = JSON.parse(line) as { level?: string; msg?: string };
      if ((rec.level === 'error' || rec.level === 'fatal') && rec.msg) msg = rec.msg;
    } catch {
      msg = line;
    }
  }
  return msg;
}
