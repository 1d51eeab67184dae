import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Container } from './container.js';
import { AgentError, asAgentError, invalidField } from './errors.js';
import { type Msg, msg, str } from './fields.js';
import { checkId } from './ids.js';
import type { AgentLogger } from './logger.js';
import { ContainerProcess } from './process.js';
import type { Reaper } from './reaper.js';
import type { Runc } from './runc.js';
import { toRuntimeProcess } from './spec-process.js';
import { pipeIo, terminalIo } from './stdio.js';

/** Highest signal number SignalProcess accepts (Linux has 64). */
const SIGNAL_MAX = 64;
/** struct winsize fields are 16 bits. */
const WINSIZE_MAX = 0xffff;

/** What the process operations need from their sandbox. */
export interface ProcessDeps {
  readonly runc: Runc;
  readonly reaper: Reaper;
  /** Directory for console sockets. */
  readonly consoleDir: string;
  readonly log: AgentLogger;
}

/** ExecProcess: `runc exec --detach` of the request's process in a running container. */
export async function execProcess(c: Container, req: Msg, deps: ProcessDeps): Promise<void> {
  const cid = c.id;
  const eid = checkId('exec_id', str(req, 'exec_id', 'ExecProcessRequest'));
  if (c.hasProcess(eid)) {
    throw new AgentError(
      'ALREADY_EXISTS',
      `process ${JSON.stringify(eid)} already exists in container ${JSON.stringify(cid)}`,
    );
  }
  c.require('ExecProcess', 'running');
  const proc = toRuntimeProcess(msg(req, 'process', 'ExecProcessRequest'), 'process');
  const file = join(c.bundle, `exec-${eid}.json`);
  writeFileSync(file, JSON.stringify(proc));
  const pidFile = join(c.bundle, `exec-${eid}.pid`);
  const io =
    proc['terminal'] === true ? terminalIo(deps.consoleDir, consoleSize({ process: proc })) : pipeIo();
  try {
    await deps.runc.exec(cid, file, pidFile, io.runcStdio, io.consoleSocket);
    await io.attach();
  } catch (err) {
    io.abort();
    throw asAgentError(err, `ExecProcess ${cid}/${eid}`);
  } finally {
    rmSync(file, { force: true });
  }
  const pid = readPid(pidFile);
  rmSync(pidFile, { force: true });
  const p = new ContainerProcess(cid, eid, pid, false, io, deps.reaper.watch(pid));
  p.started();
  c.addExec(p);
  deps.log.info({ container: cid, exec: eid, pid }, 'process started');
}

/** SignalProcess: to one process, or (empty exec id) to every process of the container. */
export async function signalProcess(c: Container, eid: string, signal: number, runc: Runc): Promise<void> {
  if (!Number.isInteger(signal) || signal < 0 || signal > SIGNAL_MAX) {
    throw invalidField('signal', `${signal} is not a signal number`);
  }
  const p = c.process(eid);
  if (eid === '' && c.state !== 'stopped') {
    await runc
      .kill(c.id, signal, true)
      .catch((e) => Promise.reject(asAgentError(e, `SignalProcess ${c.id}`)));
    return;
  }
  p.signal(signal);
}

/**
 * WaitProcess: blocks until the process exits; its exit code (128 + n for signal n). An exec'd
 * process is forgotten once waited for and drained, so later calls for it are NOT_FOUND.
 */
export async function waitProcess(c: Container, eid: string, signal?: AbortSignal): Promise<number> {
  const p = c.process(eid);
  const status = await untilAborted(p.wait(), signal);
  p.waited = true;
  if (!p.init && p.drained) c.forgetExec(p.execId);
  return status.code;
}

/** ReadStdout / ReadStderr: blocks until data; empty at EOF. */
export async function readOutput(
  c: Container,
  eid: string,
  len: number,
  stderr: boolean,
  signal?: AbortSignal,
): Promise<Buffer> {
  const p = c.process(eid);
  // A terminal has one stream, served as stdout; ReadStderr ends at once instead of stealing it.
  if (stderr && p.io.terminal) return Buffer.alloc(0);
  const data = await p.output(stderr).read(len, signal);
  if (data.length === 0 && !p.init && p.waited && p.drained) c.forgetExec(p.execId);
  return data;
}

/** Resolves as `p` does, or rejects with the signal's reason once the caller has gone. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** TtyWinResize. */
export function resizeTerminal(c: Container, eid: string, rows: number, cols: number): void {
  if (rows > WINSIZE_MAX || cols > WINSIZE_MAX) {
    throw invalidField(rows > WINSIZE_MAX ? 'row' : 'column', `must be at most ${WINSIZE_MAX}`);
  }
  c.process(eid).io.resize(rows, cols);
}

/** Reads the pid runc wrote with --pid-file. */
export function readPid(file: string): number {
  const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) throw new AgentError('INTERNAL', `bad pid file ${file}`);
  return pid;
}

/** The terminal size a runtime-spec process asks for, if any. */
export function consoleSize(config: Record<string, unknown>): { rows: number; cols: number } | undefined {
  const p = config['process'] as { consoleSize?: { height: number; width: number } } | undefined;
  const cs = p?.consoleSize;
  return cs ? { rows: cs.height, cols: cs.width } : undefined;
}
