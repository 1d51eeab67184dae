import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type protobuf from 'protobufjs';
import { readBundleSpec } from '../bootstrap/bundle.js';
import type { AgentClient } from '../drivers/types.js';
import { notFound, ShimError } from '../errors.js';
import { openStdio } from '../io/stdio.js';
import type { PodDir } from '../state/pod-state.js';
import { planContainer } from '../translate/container.js';
import { kataExecProcess } from '../translate/exec.js';
import { ociToProto } from '../translate/oci-proto.js';
import { SHIM_VERSION } from '../version.js';
import type { Logger } from '../worker/logging.js';
import type { EventSink } from './events.js';
import { TOPIC } from './events.js';
import type { ShimIdentity } from './identity.js';
import { toTaskStatus } from './lifecycle.js';
import { TaskProcess, type Timestamp, timestamp } from './process.js';
import { closeStdinOnce, runProcess } from './process-runner.js';
import { mountRootfs, type RootfsMount, shareInto, unmountAll, unshare } from './rootfs.js';
import type { SandboxSession } from './sandbox-session.js';

type Json = Record<string, unknown>;

/** Kata oci.proto message types the translation fills (looked up in the loaded schemas). */
export interface OciTypes {
  readonly spec: protobuf.Type;
  readonly process: protobuf.Type;
  readonly resources: protobuf.Type;
}

/** Makes a task's logger writing to the worker log and to `<bundle>/log`; `close` ends the fifo. */
export type TaskLogFactory = (id: string, bundle: string) => { log: Logger; close: () => void };

interface Container {
  readonly id: string;
  readonly bundle: string;
  /** This task's logger: the worker's log and the bundle's `log` fifo containerd reads. */
  readonly log: Logger;
  readonly closeLog: () => void;
  readonly init: TaskProcess;
  readonly execs: Map<string, TaskProcess>;
  readonly shares: string[];
  rootfs: string | undefined;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const bool = (v: unknown): boolean => v === true;

function anyJson(any: unknown, what: string): Json {
  const value = (any as { value?: Uint8Array } | undefined)?.value;
  if (!value || value.length === 0) throw new ShimError(`${what}: missing`, 'ERR_SHIM_INVALID');
  try {
    const v = JSON.parse(Buffer.from(value).toString('utf8')) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Json;
  } catch (err) {
    throw new ShimError(`${what}: not an OCI JSON object: ${(err as Error).message}`, 'ERR_SHIM_INVALID');
  }
}

/**
 * containerd.task.v2.Task for one pod, in terms of decoded request objects (containerd's
 * field names). Every container operation becomes Kata agent requests through the translation
 * files; lifecycle rules come from lifecycle.ts; errors are ShimErrors mapped in status.ts.
 */
export class TaskService {
  private readonly containers = new Map<string, Container>();
  private readonly session: SandboxSession;
  private readonly events: EventSink;
  private readonly pod: PodDir;
  private readonly types: OciTypes;
  private readonly log: Logger;
  private readonly onIdle: () => void;
  private readonly taskLog: TaskLogFactory;
  private readonly identity: ShimIdentity | undefined;

  constructor(opts: {
    session: SandboxSession;
    events: EventSink;
    pod: PodDir;
    types: OciTypes;
    log: Logger;
    onIdle: () => void;
    taskLog: TaskLogFactory;
    /** Records identities when no proxy does (see ShimIdentity). */
    identity?: ShimIdentity;
  }) {
    this.identity = opts.identity;
    this.taskLog = opts.taskLog;
    this.session = opts.session;
    this.events = opts.events;
    this.pod = opts.pod;
    this.types = opts.types;
    this.log = opts.log;
    this.onIdle = opts.onIdle;
  }

  /** Number of containers this worker still holds. */
  get size(): number {
    return this.containers.size;
  }

  private container(id: string): Container {
    const c = this.containers.get(id);
    if (!c) throw notFound('container', id);
    return c;
  }

  private process(id: string, execId: string): TaskProcess {
    const c = this.container(id);
    if (!execId) return c.init;
    const p = c.execs.get(execId);
    if (!p) throw notFound('exec', `${id}/${execId}`);
    return p;
  }

  private agent(): AgentClient {
    return this.session.agent();
  }

  async Create(req: Json): Promise<Json> {
    const id = str(req['id']);
    const bundle = str(req['bundle']);
    if (!id) throw new ShimError('create: id is required', 'ERR_SHIM_INVALID');
    if (this.containers.has(id)) throw new ShimError(`container ${id}: already exists`, 'ERR_SHIM_EXISTS');
    if (bool(req['checkpoint']) || str(req['checkpoint'])) {
      throw new ShimError('create: restoring from a checkpoint is not supported', 'ERR_SHIM_UNIMPLEMENTED');
    }
    const spec = await readBundleSpec(bundle);
    const stdio = {
      stdin: str(req['stdin']),
      stdout: str(req['stdout']),
      stderr: str(req['stderr']),
      terminal: bool(req['terminal']),
    };
    const init = new TaskProcess(id, '', stdio);
    const tl = this.taskLog(id, bundle);
    const c: Container = {
      id,
      bundle,
      log: tl.log,
      closeLog: tl.close,
      init,
      execs: new Map(),
      shares: [],
      rootfs: undefined,
    };
    const handle = await this.session.ensure(id, spec.raw);
    const rootfsMounts = (req['rootfs'] as RootfsMount[] | undefined) ?? [];
    const plan = planContainer(id, spec.raw, () => randomBytes(8).toString('hex'));
    await this.pod.writeContainer({
      id,
      bundle,
      rootfs: rootfsMounts.length > 0 ? join(bundle, 'rootfs') : undefined,
      shares: [],
    });
    try {
      init.opened = await openStdio(stdio, { containerId: id, namespace: this.session.namespace });
      if (rootfsMounts.length > 0) c.rootfs = await mountRootfs(bundle, rootfsMounts);
      if (handle.sharedDir) {
        const shared = join(handle.sharedDir, id, 'rootfs');
        c.shares.push(shared);
        const sharePaths = plan.shares.map((s) => join(handle.sharedDir ?? '', s.name));
        c.shares.push(...sharePaths);
        await this.pod.writeContainer({ id, bundle, rootfs: c.rootfs, shares: c.shares });
        await shareInto(join(bundle, 'rootfs'), shared, true);
        for (const [i, s] of plan.shares.entries()) {
          const isDir = (await stat(s.hostSource)).isDirectory();
          await shareInto(s.hostSource, sharePaths[i] ?? '', isDir);
        }
      }
      const oci = ociToProto(this.types.spec, plan.spec);
      c.log.debug({ spec: plan.spec }, 'CreateContainer spec');
      await this.agent().call('CreateContainer', {
        container_id: id,
        exec_id: id,
        devices: [],
        storages: [],
        OCI: oci,
        sandbox_pidns: plan.sandboxPidns,
      });
      await this.identity?.created({ container_id: id, OCI: oci });
    } catch (err) {
      c.log.error({ err: (err as Error).message }, 'create failed');
      c.closeLog();
      await this.release(c);
      await this.pod.removeContainer(id);
      await this.session.releaseIfEmpty(this.containers.size);
      throw err;
    }
    init.pid = handle.pid;
    this.containers.set(id, c);
    this.events.publish(TOPIC.create, {
      container_id: id,
      bundle,
      rootfs: rootfsMounts,
      io: { stdin: stdio.stdin, stdout: stdio.stdout, stderr: stdio.stderr, terminal: stdio.terminal },
      checkpoint: '',
      pid: init.pid,
    });
    c.log.info({ pid: init.pid }, 'container created');
    return { pid: init.pid };
  }

  /** Unshares, unmounts and closes what a container holds on the host. Idempotent. */
  private async release(c: Container): Promise<void> {
    for (const s of c.shares.reverse()) await unshare(s).catch(() => undefined);
    c.shares.length = 0;
    if (c.rootfs) await unmountAll(c.rootfs).catch(() => undefined);
    c.rootfs = undefined;
    c.init.opened?.close();
  }

  async Start(req: Json): Promise<Json> {
    const id = str(req['id']);
    const execId = str(req['exec_id']);
    const p = this.process(id, execId);
    if (p.status !== 'created') p.apply('start');
    const agent = this.agent();
    if (execId) {
      p.opened = await openStdio(p.stdio, { containerId: id, namespace: this.session.namespace });
      const process = ociToProto(this.types.process, kataExecProcess(p.execSpec ?? {}), 'exec.spec');
      try {
        await agent.call('ExecProcess', { container_id: id, exec_id: execId, process });
      } catch (err) {
        // A refused exec (e.g. by policy) never runs: release its fifos now, or containerd's
        // client waits for EOF on them forever while it tears the exec down.
        p.opened.close();
        p.opened = undefined;
        throw err;
      }
    } else {
      await agent.call('StartContainer', { container_id: id });
    }
    p.apply('start');
    p.pid = this.container(id).init.pid;
    runProcess(p, { agent, events: this.events, log: this.log });
    if (execId) this.events.publish(TOPIC.execStarted, { container_id: id, exec_id: execId, pid: p.pid });
    else this.events.publish(TOPIC.start, { container_id: id, pid: p.pid });
    return { pid: p.pid };
  }

  async Exec(req: Json): Promise<Json> {
    const id = str(req['id']);
    const execId = str(req['exec_id']);
    const c = this.container(id);
    if (!execId) throw new ShimError('exec: exec_id is required', 'ERR_SHIM_INVALID');
    if (c.execs.has(execId)) throw new ShimError(`exec ${id}/${execId}: already exists`, 'ERR_SHIM_EXISTS');
    if (c.init.status !== 'running') {
      throw new ShimError(
        `container ${id}: cannot exec in a ${c.init.status} container`,
        'ERR_SHIM_PRECONDITION',
      );
    }
    const spec = anyJson(req['spec'], `exec ${id}/${execId}: spec`);
    const stdio = {
      stdin: str(req['stdin']),
      stdout: str(req['stdout']),
      stderr: str(req['stderr']),
      terminal: bool(req['terminal']),
    };
    c.execs.set(execId, new TaskProcess(id, execId, stdio, spec));
    this.events.publish(TOPIC.execAdded, { container_id: id, exec_id: execId });
    return {};
  }

  async Delete(req: Json): Promise<Json> {
    const id = str(req['id']);
    const execId = str(req['exec_id']);
    const c = this.container(id);
    const p = this.process(id, execId);
    if (p.status === 'running' || p.status === 'paused') {
      throw new ShimError(`process ${p.name}: cannot delete a ${p.status} process`, 'ERR_SHIM_PRECONDITION');
    }
    if (execId) {
      p.apply('delete');
      p.opened?.close();
      c.execs.delete(execId);
      return { pid: p.pid, exit_status: p.exitStatus, exited_at: p.exitedAt ?? timestamp(Date.now()) };
    }
    for (const e of c.execs.values()) e.opened?.close();
    if (p.status === 'created') p.markExited(0, Date.now());
    await this.agent()
      .call('RemoveContainer', { container_id: id, timeout: 0 })
      .catch((err: unknown) => c.log.warn({ err: (err as Error).message }, 'RemoveContainer failed'));
    c.log.info({ exit_status: p.exitStatus }, 'container deleted');
    c.closeLog();
    await this.release(c);
    await this.identity?.deleted(id);
    p.apply('delete');
    this.containers.delete(id);
    await this.pod.removeContainer(id);
    const exitedAt: Timestamp = p.exitedAt ?? timestamp(Date.now());
    this.events.publish(TOPIC.delete, {
      container_id: id,
      pid: p.pid,
      exit_status: p.exitStatus,
      exited_at: exitedAt,
      id,
    });
    await this.session.releaseIfEmpty(this.containers.size);
    return { pid: p.pid, exit_status: p.exitStatus, exited_at: exitedAt };
  }

  async State(req: Json): Promise<Json> {
    const id = str(req['id']);
    const execId = str(req['exec_id']);
    const c = this.container(id);
    const p = this.process(id, execId);
    return {
      id: execId || id,
      bundle: c.bundle,
      pid: p.pid,
      status: toTaskStatus(p.status),
      stdin: p.stdio.stdin,
      stdout: p.stdio.stdout,
      stderr: p.stdio.stderr,
      terminal: p.stdio.terminal,
      exit_status: p.exitStatus,
      exited_at: p.exitedAt,
      exec_id: execId,
    };
  }

  async Kill(req: Json): Promise<Json> {
    const id = str(req['id']);
    const execId = str(req['exec_id']);
    const p = this.process(id, execId);
    if (p.status === 'stopped' || p.status === 'deleted') {
      throw new ShimError(`process ${p.name}: process already finished: not found`, 'ERR_SHIM_NOT_FOUND');
    }
    // The kata-agent signals every process of the container when exec_id is empty.
    const all = bool(req['all']);
    await this.agent().call('SignalProcess', {
      container_id: id,
      exec_id: all ? '' : p.agentExecId,
      signal: Number(req['signal'] ?? 15),
    });
    return {};
  }

  async Wait(req: Json): Promise<Json> {
    const p = this.process(str(req['id']), str(req['exec_id']));
    await p.exited;
    return { exit_status: p.exitStatus, exited_at: p.exitedAt };
  }

  async Pids(req: Json): Promise<Json> {
    const c = this.container(str(req['id']));
    // As with Kata, guest pids mean nothing on the host: the pod's pid stands for the task.
    return { processes: [{ pid: c.init.pid }] };
  }

  async Pause(req: Json): Promise<Json> {
    const id = str(req['id']);
    const c = this.container(id);
    c.init.apply('pause');
    try {
      await this.agent().call('PauseContainer', { container_id: id });
    } catch (err) {
      c.init.status = 'running';
      throw err;
    }
    this.events.publish(TOPIC.paused, { container_id: id });
    return {};
  }

  async Resume(req: Json): Promise<Json> {
    const id = str(req['id']);
    const c = this.container(id);
    c.init.apply('resume');
    try {
      await this.agent().call('ResumeContainer', { container_id: id });
    } catch (err) {
      c.init.status = 'paused';
      throw err;
    }
    this.events.publish(TOPIC.resumed, { container_id: id });
    return {};
  }

  async CloseIO(req: Json): Promise<Json> {
    const id = str(req['id']);
    this.log.debug({ id, exec: req['exec_id'], stdin: req['stdin'] }, 'CloseIO');
    const p = this.process(id, str(req['exec_id']));
    // Before Start there is nothing to close yet: the fifo's EOF closes stdin once relayed.
    if (bool(req['stdin']) && p.stdio.stdin && p.status !== 'created') {
      await p.stdinFlushed();
      p.opened?.stdin?.destroy();
      await closeStdinOnce(p, this.agent(), this.log);
    }
    return {};
  }

  async ResizePty(req: Json): Promise<Json> {
    const id = str(req['id']);
    const p = this.process(id, str(req['exec_id']));
    if (!p.stdio.terminal) throw new ShimError(`process ${p.name}: has no terminal`, 'ERR_SHIM_PRECONDITION');
    await this.agent().call('TtyWinResize', {
      container_id: id,
      exec_id: p.agentExecId,
      row: Number(req['height'] ?? 0),
      column: Number(req['width'] ?? 0),
    });
    return {};
  }

  async Update(req: Json): Promise<Json> {
    const id = str(req['id']);
    this.container(id);
    const resources = ociToProto(
      this.types.resources,
      anyJson(req['resources'], `update ${id}: resources`),
      'resources',
    );
    await this.agent().call('UpdateContainer', { container_id: id, resources });
    return {};
  }

  async Stats(req: Json): Promise<Json> {
    const id = str(req['id']);
    this.container(id);
    return { stats: await this.session.stats(id) };
  }

  async Connect(req: Json): Promise<Json> {
    const id = str(req['id']);
    const c = this.containers.get(id);
    return { shim_pid: process.pid, task_pid: c?.init.pid ?? 0, version: SHIM_VERSION };
  }

  async Shutdown(_req: Json): Promise<Json> {
    // A worker that still serves live tasks never stops; containerd calls Shutdown per container.
    if (this.containers.size === 0) setImmediate(this.onIdle);
    return {};
  }

  async Checkpoint(req: Json): Promise<Json> {
    throw new ShimError(`checkpoint ${str(req['id'])}: not supported by Ward`, 'ERR_SHIM_UNIMPLEMENTED');
  }

  /** Marks every process exited (the sandbox died) so waiters and containerd learn of it. */
  failAll(status: number): void {
    for (const c of this.containers.values()) {
      for (const p of [c.init, ...c.execs.values()]) {
        if (p.markExited(status, Date.now())) {
          p.opened?.close();
          this.events.publish(TOPIC.exit, {
            container_id: c.id,
            id: p.execId || c.id,
            pid: p.pid,
            exit_status: status,
            exited_at: p.exitedAt,
          });
        }
      }
    }
  }
}
