import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { mountsUnder, unmountAll } from '../../sys/index.js';
import { containerCgroupPath, removeCgroup, sandboxCgroupPath } from './cgroups.js';
import { Container } from './container.js';
import { copyFileChunk } from './copy-file.js';
import { AgentError, asAgentError, containerNotFound, invalidField } from './errors.js';
import { bool, type Msg, msg, msgs, str, strings } from './fields.js';
import { checkId } from './ids.js';
import type { AgentLogger } from './logger.js';
import { createSharedNamespaces, removeSharedNamespaces, type SharedNamespaces } from './namespaces.js';
import { OomWatcher } from './oom.js';
import { GuestPaths, KATA_GUEST_SHARE_DIR } from './paths.js';
import { ContainerProcess } from './process.js';
import {
  consoleSize,
  execProcess,
  type ProcessDeps,
  readOutput,
  readPid,
  resizeTerminal,
  signalProcess,
  waitProcess,
} from './processes.js';
import { Reaper } from './reaper.js';
import { DEFAULT_RUNC, Runc } from './runc.js';
import { toRuntimeSpec } from './spec.js';
import { toRuntimeResources } from './spec-resources.js';
import { clearState, loadState, type PersistedSandbox, saveState } from './state.js';
import { toCgroupStats } from './stats.js';
import { type ProcessIo, pipeIo, terminalIo } from './stdio.js';
import { addStorage, removeStorage, type StorageRecord } from './storage.js';

/** Options of {@link Sandbox.open}. */
export interface SandboxOptions {
  /** The directory standing in for the guest root. */
  readonly root: string;
  readonly runc?: string;
  readonly logger?: AgentLogger;
}

const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$/;
const SILENT: AgentLogger = { info: () => undefined, warn: () => undefined };

/**
 * The guest as a sandbox: one per agent, like the kata-agent. Owns the containers, their runc
 * state under the root, shared namespaces and storages, and persists the minimum a restarted
 * agent needs to destroy everything.
 */
export class Sandbox {
  /** Guest path resolution. */
  readonly paths: GuestPaths;
  readonly #runc: Runc;
  readonly #log: AgentLogger;
  readonly #deps: ProcessDeps;
  readonly #reaper = Reaper.shared();
  readonly #oom = new OomWatcher();
  readonly #containers = new Map<string, Container>();
  readonly #pending = new Set<string>();
  #id: string;
  #created = false;
  #storages: StorageRecord[] = [];
  #ns: SharedNamespaces | undefined;
  #pidns: string | undefined;
  #sandboxPidns = false;
  /** Containers known only from the persisted record of a previous agent. */
  readonly #recovered = new Set<string>();
  /** Set by {@link forceCleanup}: a graceful clean-up still running then stops where it is. */
  #forced = false;

  private constructor(opts: SandboxOptions) {
    this.paths = new GuestPaths(opts.root);
    this.#log = opts.logger ?? SILENT;
    mkdirSync(this.paths.runcRoot, { recursive: true });
    mkdirSync(join(this.paths.private, 'log'), { recursive: true });
    mkdirSync(join(this.paths.private, 'c'), { recursive: true });
    this.#runc = new Runc(this.paths.runcRoot, join(this.paths.private, 'log'), opts.runc ?? DEFAULT_RUNC);
    this.#deps = {
      runc: this.#runc,
      reaper: this.#reaper,
      consoleDir: join(this.paths.private, 'c'),
      log: this.#log,
    };
    this.#id = `ward-${basename(this.paths.root)}`;
  }

  /** Opens the sandbox at `root`, recovering a previous agent's record if one is there. */
  static open(opts: SandboxOptions): Sandbox {
    const s = new Sandbox(opts);
    const prev = loadState(s.paths.stateFile);
    if (prev) {
      s.#id = prev.sandboxId;
      s.#created = true;
      s.#storages = [...prev.storages];
      s.#ns = prev.namespaces;
      for (const c of prev.containers) s.#recovered.add(c);
      s.#log.warn(
        { sandbox: prev.sandboxId, containers: prev.containers },
        'recovered the record of a previous agent',
      );
    }
    return s;
  }

  /** The sandbox id. */
  get id(): string {
    return this.#id;
  }

  /** Ids of the live containers (recovered ones included). */
  get containerIds(): string[] {
    return [...this.#containers.keys(), ...this.#recovered];
  }

  /** CreateSandbox: hostname, shared namespaces, storages, DNS. */
  async createSandbox(req: Msg): Promise<void> {
    if (this.#created) throw new AgentError('ALREADY_EXISTS', `sandbox ${this.#id} already exists`);
    const hostname = str(req, 'hostname', 'CreateSandboxRequest');
    if (hostname && !HOSTNAME_RE.test(hostname))
      throw invalidField('hostname', `${JSON.stringify(hostname)} is not a valid hostname`);
    const sid = str(req, 'sandbox_id', 'CreateSandboxRequest');
    if (sid) this.#id = checkId('sandbox_id', sid);
    this.#created = true;
    try {
      mkdirSync(this.paths.resolve(KATA_GUEST_SHARE_DIR, 'shared dir'), { recursive: true });
      this.#ns = await createSharedNamespaces(this.paths.nsDir, hostname);
      this.#persist();
      for (const [i, s] of msgs(req, 'storages', 'CreateSandboxRequest').entries()) {
        this.#storages.push(addStorage(s, `storages[${i}]`, this.paths));
        this.#persist();
      }
      const dns = strings(req, 'dns', 'CreateSandboxRequest');
      if (dns.length > 0) this.#writeResolvConf(dns);
      this.#sandboxPidns = bool(req, 'sandbox_pidns', 'CreateSandboxRequest');
    } catch (err) {
      await this.destroy().catch(() => undefined);
      throw asAgentError(err, 'CreateSandbox');
    }
    this.#log.info({ sandbox: this.#id, hostname, pidns: this.#sandboxPidns }, 'sandbox created');
  }

  /** DestroySandbox (also the agent's shutdown): removes every container, mount and record. */
  async destroy(): Promise<void> {
    this.#oom.close();
    const ids = [...this.#containers.keys()].reverse();
    for (const id of ids) {
      this.#log.debug?.({ container: id }, 'destroy: removing container');
      await this.removeContainer(id, 0).catch((e) => this.#log.warn({ id, err: String(e) }, 'remove failed'));
      if (this.#forced) return;
    }
    // Whatever runc still knows under our root (recovered or half-created) goes too. runc keeps
    // one directory per container there: reading it spares a `runc list` when nothing is left.
    for (const id of this.#runc.containerDirs()) {
      if (this.#forced) return;
      this.#log.debug?.({ container: id }, 'destroy: runc delete --force of a leftover');
      await this.#runc
        .delete(id, true)
        .catch((e) => this.#log.warn({ id, err: String(e) }, 'runc delete failed'));
      rmSync(this.paths.bundle(id), { recursive: true, force: true });
    }
    if (this.#forced) return;
    this.#recovered.clear();
    this.#log.debug?.({ storages: this.#storages.length }, 'destroy: storages, namespaces, mounts');
    for (const s of this.#storages.reverse()) removeStorage(s);
    this.#storages = [];
    if (this.#ns) removeSharedNamespaces(this.#ns);
    this.#ns = undefined;
    const left = unmountAll(this.paths.root, true);
    if (left > 0) this.#log.warn({ count: left }, 'unmounted leftovers under the root');
    removeCgroup(sandboxCgroupPath(this.#id));
    clearState(this.paths.stateFile);
    this.#created = false;
    this.#pidns = undefined;
    this.#log.info({ sandbox: this.#id }, 'sandbox destroyed');
  }

  /** Mount points still present under the root (for tests and diagnostics). */
  get mounts(): string[] {
    return mountsUnder(this.paths.root);
  }

  /** CreateContainer: translate the spec, set up storages, `runc create`. */
  async createContainer(req: Msg): Promise<void> {
    const cid = checkId('container_id', str(req, 'container_id', 'CreateContainerRequest'));
    if (this.#containers.has(cid) || this.#pending.has(cid) || this.#recovered.has(cid)) {
      throw new AgentError('ALREADY_EXISTS', `container ${JSON.stringify(cid)} already exists`);
    }
    const execId = str(req, 'exec_id', 'CreateContainerRequest') || cid;
    checkId('exec_id', execId);
    // Guest devices and cross-container shared mounts have no host counterpart: refuse, not ignore.
    if (msgs(req, 'devices', 'CreateContainerRequest').length > 0) {
      throw invalidField('devices', 'guest devices cannot be provided by ward-runc-agent');
    }
    if (msgs(req, 'shared_mounts', 'CreateContainerRequest').length > 0) {
      throw invalidField('shared_mounts', 'shared mounts are not supported by ward-runc-agent');
    }
    this.#pending.add(cid);
    const storages: StorageRecord[] = [];
    let io: ProcessIo | undefined;
    let created = false;
    const bundle = this.paths.bundle(cid);
    try {
      for (const [i, s] of msgs(req, 'storages', 'CreateContainerRequest').entries()) {
        storages.push(addStorage(s, `storages[${i}]`, this.paths));
      }
      const asked = bool(req, 'sandbox_pidns', 'CreateContainerRequest');
      // As the kata-agent: the first container is the infra container and makes the shared pid
      // namespace; a container asking to join before one exists is refused.
      const first = this.#containers.size === 0 && !this.#pidns;
      if (asked && !this.#pidns && !first) {
        throw new AgentError('FAILED_PRECONDITION', 'sandbox_pidns: the sandbox has no shared pid namespace');
      }
      const joinPidns = (asked || this.#sandboxPidns) && !first;
      const cgroupsPath = containerCgroupPath(this.#id, cid);
      const spec = toRuntimeSpec(msg(req, 'OCI', 'CreateContainerRequest'), {
        paths: this.paths,
        ...(this.#ns ? { ipcPath: this.#ns.ipc, utsPath: this.#ns.uts } : {}),
        ...(joinPidns && this.#pidns ? { pidPath: this.#pidns } : {}),
        cgroupsPath,
      });
      mkdirSync(bundle, { recursive: true });
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec.config));
      const size = consoleSize(spec.config);
      io = spec.terminal ? terminalIo(this.#deps.consoleDir, size) : pipeIo();
      const pidFile = join(bundle, 'init.pid');
      await this.#runc.create(cid, bundle, pidFile, io.runcStdio, io.consoleSocket);
      created = true;
      await io.attach();
      const pid = readPid(pidFile);
      const init = new ContainerProcess(cid, execId, pid, true, io, this.#reaper.watch(pid));
      this.#containers.set(cid, new Container(cid, bundle, storages, init));
      if (first) this.#pidns = `/proc/${pid}/ns/pid`;
      this.#oom.track(cid, cgroupsPath);
      this.#persist();
      this.#log.info({ container: cid, pid, terminal: spec.terminal }, 'container created');
    } catch (err) {
      io?.abort();
      if (created) await this.#runc.delete(cid, true).catch(() => undefined);
      for (const s of storages.reverse()) removeStorage(s);
      rmSync(bundle, { recursive: true, force: true });
      throw asAgentError(err, `CreateContainer ${cid}`);
    } finally {
      this.#pending.delete(cid);
    }
  }

  /** StartContainer: `runc start` of a created container. */
  async startContainer(cid: string): Promise<void> {
    const c = this.#container(cid);
    c.require('StartContainer', 'created');
    await this.#runc.start(cid).catch((e) => Promise.reject(asAgentError(e, `StartContainer ${cid}`)));
    // A short-lived init may already have been reaped (stopped) by the time runc returns.
    if (c.state === 'created') c.move('running');
    c.initProcess.started();
  }

  /**
   * RemoveContainer: kills every process, waits for them, deletes the runc container and its
   * storages. With `timeoutSec` > 0, answers DEADLINE_EXCEEDED if that takes longer.
   */
  async removeContainer(cid: string, timeoutSec: number): Promise<void> {
    if (this.#recovered.has(cid)) {
      await this.#runc.delete(cid, true).catch(() => undefined);
      rmSync(this.paths.bundle(cid), { recursive: true, force: true });
      this.#recovered.delete(cid);
      this.#persist();
      return;
    }
    const c = this.#container(cid);
    const work = async (): Promise<void> => {
      const debug = (step: string): void => this.#log.debug?.({ container: cid }, `remove: ${step}`);
      if (c.state === 'paused') await this.#runc.resume(cid).catch(() => undefined);
      debug('runc kill --all 9');
      if (c.state !== 'stopped') await this.#runc.kill(cid, 9, true).catch(() => undefined);
      debug(`waiting for pids ${c.processes.map((p) => p.pid).join(',')}`);
      await Promise.all(c.processes.map((p) => p.wait()));
      debug('runc delete');
      await this.#runc.delete(cid, true);
      for (const p of c.processes) p.io.close();
      this.#oom.untrack(cid);
      for (const s of [...c.storages].reverse()) removeStorage(s);
      rmSync(c.bundle, { recursive: true, force: true });
      this.#containers.delete(cid);
      if (this.#pidns === `/proc/${c.initProcess.pid}/ns/pid`) this.#pidns = undefined;
      this.#persist();
    };
    if (timeoutSec <= 0)
      return work().catch((e) => Promise.reject(asAgentError(e, `RemoveContainer ${cid}`)));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new AgentError('DEADLINE_EXCEEDED', `RemoveContainer ${cid}: not done after ${timeoutSec}s`),
          ),
        timeoutSec * 1000,
      );
    });
    try {
      await Promise.race([work(), deadline]);
    } catch (e) {
      throw asAgentError(e, `RemoveContainer ${cid}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** ExecProcess: `runc exec --detach` of the request's process. */
  async execProcess(req: Msg): Promise<void> {
    return execProcess(this.#container(str(req, 'container_id', 'ExecProcessRequest')), req, this.#deps);
  }

  /** SignalProcess: to one process, or (empty exec id) to every process of the container. */
  async signalProcess(cid: string, eid: string, signal: number): Promise<void> {
    await signalProcess(this.#container(cid), eid, signal, this.#runc);
  }

  /** WaitProcess: blocks until the process exits; its exit code (128 + n for signal n). */
  async waitProcess(cid: string, eid: string, signal?: AbortSignal): Promise<number> {
    return waitProcess(this.#container(cid), eid, signal);
  }

  /** ReadStdout / ReadStderr: blocks until data; empty at EOF. */
  async readOutput(
    cid: string,
    eid: string,
    len: number,
    stderr: boolean,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    return readOutput(this.#container(cid), eid, len, stderr, signal);
  }

  /** WriteStdin: the number of bytes written. Empty data closes stdin, as the kata-agent does. */
  async writeStdin(cid: string, eid: string, data: Buffer): Promise<number> {
    const io = this.#container(cid).process(eid).io;
    if (data.length === 0) {
      await io.closeStdin();
      return 0;
    }
    return io.write(data);
  }

  /** CloseStdin. */
  async closeStdin(cid: string, eid: string): Promise<void> {
    return this.#container(cid).process(eid).io.closeStdin();
  }

  /** TtyWinResize. */
  resizeTerminal(cid: string, eid: string, rows: number, cols: number): void {
    resizeTerminal(this.#container(cid), eid, rows, cols);
  }

  /** PauseContainer. */
  async pause(cid: string): Promise<void> {
    const c = this.#container(cid);
    c.require('PauseContainer', 'running');
    await this.#runc.pause(cid).catch((e) => Promise.reject(asAgentError(e, `PauseContainer ${cid}`)));
    c.move('paused');
  }

  /** ResumeContainer. */
  async resume(cid: string): Promise<void> {
    const c = this.#container(cid);
    c.require('ResumeContainer', 'paused');
    await this.#runc.resume(cid).catch((e) => Promise.reject(asAgentError(e, `ResumeContainer ${cid}`)));
    c.move('running');
  }

  /** UpdateContainer: new cgroup resources through `runc update`. */
  async update(cid: string, resources: Msg | undefined): Promise<void> {
    const c = this.#container(cid);
    c.require('UpdateContainer', 'created', 'running', 'paused');
    const r = toRuntimeResources(resources, 'resources');
    if (!r) return;
    const file = join(c.bundle, 'update.json');
    writeFileSync(file, JSON.stringify(r));
    try {
      await this.#runc.update(cid, file);
    } catch (e) {
      throw asAgentError(e, `UpdateContainer ${cid}`);
    } finally {
      rmSync(file, { force: true });
    }
  }

  /** StatsContainer: cgroup figures (agent.proto CgroupStats shape). */
  async stats(cid: string): Promise<Record<string, unknown>> {
    const c = this.#container(cid);
    c.require('StatsContainer', 'created', 'running', 'paused');
    const ev = await this.#runc
      .stats(cid)
      .catch((e) => Promise.reject(asAgentError(e, `StatsContainer ${cid}`)));
    return toCgroupStats(ev.data);
  }

  /** GetOOMEvent: blocks until a container has an OOM kill; its id. */
  oomEvent(signal?: AbortSignal): Promise<string> {
    return this.#oom.next(signal);
  }

  /** CopyFile: one chunk, into the root. */
  copyFile(req: Msg): void {
    try {
      copyFileChunk(req, this.paths);
    } catch (err) {
      throw asAgentError(err, 'CopyFile');
    }
  }

  /**
   * Last resort when {@link destroy} is stuck (the agent's bounded stop): closes every process's
   * stdio, SIGKILLs the processes the agent knows, `runc delete --force`s whatever runc still
   * has under the root (each runc bounded by `timeoutMs`) and unmounts what is left. Never
   * throws; returns what is still there (see {@link leftovers}).
   */
  async forceCleanup(timeoutMs: number): Promise<string[]> {
    this.#forced = true;
    this.#oom.close();
    // A runc call the graceful clean-up is stuck in would otherwise outlive the agent.
    this.#runc.killRunning();
    for (const c of this.#containers.values()) {
      for (const p of c.processes) {
        p.io.close();
        try {
          p.signal(9);
        } catch (e) {
          this.#log.warn({ pid: p.pid, err: String(e) }, 'force: kill failed');
        }
      }
    }
    const ids = new Set([...this.#containers.keys(), ...this.#recovered, ...this.#runc.containerDirs()]);
    await Promise.all(
      [...ids].map((id) =>
        this.#runc
          .delete(id, true, timeoutMs)
          .catch((e) => this.#log.warn({ id, err: String(e) }, 'force: runc delete failed')),
      ),
    );
    try {
      unmountAll(this.paths.root, true);
    } catch (e) {
      this.#log.warn({ err: String(e) }, 'force: unmount failed');
    }
    removeCgroup(sandboxCgroupPath(this.#id));
    const left = this.leftovers();
    // With nothing left, the record would only mislead a restarted agent.
    if (left.length === 0) clearState(this.paths.stateFile);
    return left;
  }

  /** What a clean-up left behind: runc containers, mounts under the root, live processes. */
  leftovers(): string[] {
    const left = this.#runc.containerDirs().map((id) => `runc container ${id}`);
    for (const mp of mountsUnder(this.paths.root)) if (mp !== this.paths.root) left.push(`mount ${mp}`);
    if (this.#runc.running > 0) left.push(`${this.#runc.running} runc invocation(s)`);
    for (const c of this.#containers.values()) {
      for (const p of c.processes) {
        if (p.state !== 'exited' && runs(p.pid)) left.push(`process ${c.id}/${p.execId} (pid ${p.pid})`);
      }
    }
    return left;
  }

  /** Stops the sandbox's watchers (after {@link destroy}); the shared reaper stays. */
  close(): void {
    this.#oom.close();
  }

  #container(cid: string): Container {
    const c = this.#containers.get(cid);
    if (c) return c;
    if (this.#recovered.has(cid)) {
      throw new AgentError(
        'FAILED_PRECONDITION',
        `container ${cid} belongs to a previous agent: only RemoveContainer and DestroySandbox apply`,
      );
    }
    throw containerNotFound(cid);
  }

  #persist(): void {
    const s: PersistedSandbox = {
      version: 1,
      sandboxId: this.#id,
      containers: this.containerIds,
      storages: this.#storages,
      ...(this.#ns ? { namespaces: this.#ns } : {}),
      cgroupParent: sandboxCgroupPath(this.#id),
    };
    saveState(this.paths.stateFile, s);
  }

  #writeResolvConf(dns: string[]): void {
    const etc = this.paths.resolve('/etc', 'dns');
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'resolv.conf'), `${dns.join('\n')}\n`);
  }
}

/** Whether `pid` still runs (a zombie runs nothing: it only waits to be reaped). */
function runs(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
