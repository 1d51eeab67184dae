import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type ConfigOptions, type ContainerdPaths, containerdPaths, renderConfig } from './config.js';
import { HarnessError } from './errors.js';

/** Debian's containerd 1.6 binary. */
export const CONTAINERD_BIN = '/usr/bin/containerd';

/** Debian's ctr binary. */
export const CTR_BIN = '/usr/bin/ctr';

/** How long containerd gets to open its socket. */
const START_TIMEOUT_MS = 20_000;

/** How long a ctr command may run before the harness kills it. */
const CTR_TIMEOUT_MS = 60_000;

/** Grace period between SIGTERM and SIGKILL when stopping containerd. */
const STOP_GRACE_MS = 5_000;

/** Default namespace of ctr commands issued through the harness. */
export const DEFAULT_NAMESPACE = 'ward-test';

/** Result of one finished ctr command. */
export interface CtrResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of one ctr command. */
export interface CtrOptions {
  readonly input?: string | Buffer;
  readonly timeoutMs?: number;
  readonly namespace?: string;
}

/** Options of a private containerd. */
export interface HarnessOptions extends ConfigOptions {
  /** Directories put first on containerd's PATH (where it finds `containerd-shim-<name>-v2`). */
  readonly path?: readonly string[];
  /** Extra environment for containerd and thus for every shim it starts. */
  readonly env?: Readonly<Record<string, string>>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A containerd of its own: socket, root, state, config and log under a mkdtemp directory, never
 * the system instance. Stop it in an `after()` hook; stop also kills the shims it left behind.
 */
export class PrivateContainerd {
  readonly paths: ContainerdPaths;
  private readonly opts: HarnessOptions;
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(paths: ContainerdPaths, opts: HarnessOptions) {
    this.paths = paths;
    this.opts = opts;
  }

  /** Creates the directory, writes config.toml and starts containerd. */
  static async start(opts: HarnessOptions = {}): Promise<PrivateContainerd> {
    const dir = await mkdtemp(join(tmpdir(), 'ward-containerd-'));
    const paths = containerdPaths(dir);
    await mkdir(paths.root, { recursive: true });
    await mkdir(paths.state, { recursive: true });
    await writeFile(paths.config, renderConfig(paths, opts));
    const h = new PrivateContainerd(paths, opts);
    await h.launch();
    return h;
  }

  /** The grpc address ctr talks to. */
  get address(): string {
    return this.paths.address;
  }

  /** PID of the running containerd, if any. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  private env(): NodeJS.ProcessEnv {
    const path = [...(this.opts.path ?? []), process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin'].join(
      delimiter,
    );
    return { ...process.env, ...this.opts.env, PATH: path };
  }

  private async launch(): Promise<void> {
    const log = await open(this.paths.log, 'a');
    const proc = spawn(CONTAINERD_BIN, ['--config', this.paths.config], {
      env: this.env(),
      stdio: ['ignore', log.fd, log.fd],
      detached: true,
    });
    await log.close();
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      if (existsSync(this.paths.address)) {
        const r = await this.ctr(['version'], { timeoutMs: 5_000 });
        if (r.code === 0) return;
      }
      await sleep(50);
    }
    const tail = (await readFile(this.paths.log, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
    await this.stopProcess();
    throw new HarnessError(`containerd did not start; log tail:\n${tail}`, 'ERR_HARNESS_START');
  }

  private async stopProcess(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
    this.proc = undefined;
  }

  /** Stops and starts containerd again with the same config and state; shims keep running. */
  async restart(): Promise<void> {
    await this.stopProcess();
    await this.launch();
  }

  /** Runs `ctr -a <sock> -n <ns> ...args` and collects its output. Never throws on exit codes. */
  ctr(args: readonly string[], opts: CtrOptions = {}): Promise<CtrResult> {
    const child = this.spawnCtr(args, opts.namespace);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? CTR_TIMEOUT_MS);
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          code: code ?? (signal ? 128 + 9 : 1),
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString(),
        });
      });
    });
  }

  /** Starts a ctr command with piped stdio, for tests that talk to it while it runs. */
  spawnCtr(args: readonly string[], namespace = DEFAULT_NAMESPACE): ChildProcess {
    return spawn(CTR_BIN, ['-a', this.paths.address, '-n', namespace, ...args], {
      env: this.env(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** Imports an OCI image tarball (`ctr images import`) and unpacks it for overlayfs. */
  async importImage(tarball: string, namespace = DEFAULT_NAMESPACE): Promise<void> {
    const r = await this.ctr(['images', 'import', '--snapshotter', 'overlayfs', tarball], { namespace });
    if (r.code !== 0) {
      throw new HarnessError(`ctr images import ${tarball}: ${r.stderr.trim()}`, 'ERR_HARNESS_CTR');
    }
  }

  /** Like {@link ctr} but throws with ctr's stderr when it exits non-zero. */
  async ctrOk(args: readonly string[], opts: CtrOptions = {}): Promise<string> {
    const r = await this.ctr(args, opts);
    if (r.code !== 0) {
      throw new HarnessError(`ctr ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`, 'ERR_HARNESS_CTR');
    }
    return r.stdout;
  }

  /** PIDs of shim processes started by this containerd (their `-address` names our socket). */
  async shimPids(): Promise<number[]> {
    const pids: number[] = [];
    for (const name of await readdir('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
      const argv = cmd.split('\0');
      const i = argv.indexOf('-address');
      if (i >= 0 && argv[i + 1] === this.paths.address && !argv.includes('start')) pids.push(Number(name));
    }
    return pids;
  }

  /**
   * Best-effort tidy stop: kills and deletes every task and container in every namespace, stops
   * containerd, kills any shim it left, unmounts what remains under its root and removes the dir.
   */
  async stop(): Promise<void> {
    if (this.proc) {
      const nsOut = await this.ctr(['namespaces', 'ls', '-q'], { timeoutMs: 10_000 });
      for (const ns of nsOut.stdout.split('\n').filter((s) => s !== '')) {
        const tasks = await this.ctr(['tasks', 'ls', '-q'], { namespace: ns, timeoutMs: 10_000 });
        for (const id of tasks.stdout.split('\n').filter((s) => s !== '')) {
          await this.ctr(['tasks', 'kill', '-a', '-s', 'KILL', id], { namespace: ns, timeoutMs: 10_000 });
          await this.ctr(['tasks', 'delete', '-f', id], { namespace: ns, timeoutMs: 15_000 });
        }
        const ctrs = await this.ctr(['containers', 'ls', '-q'], { namespace: ns, timeoutMs: 10_000 });
        for (const id of ctrs.stdout.split('\n').filter((s) => s !== '')) {
          await this.ctr(['containers', 'delete', id], { namespace: ns, timeoutMs: 15_000 });
        }
      }
    }
    const shims = await this.shimPids();
    await this.stopProcess();
    for (const pid of shims) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await unmountUnder(this.paths.dir);
    await rm(this.paths.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Lazily unmounts every mount point under `dir`, deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mounts
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) {
    await new Promise<void>((resolve) => {
      spawn('umount', ['-l', p], { stdio: 'ignore' }).once('close', () => resolve());
    });
  }
}
