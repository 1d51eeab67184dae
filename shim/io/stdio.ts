import { type ChildProcess, spawn } from 'node:child_process';
import { constants, createWriteStream, openSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ShimError } from '../errors.js';

/** Where a process's stdio goes, as containerd sends it (paths or log URIs; empty = none). */
export interface StdioSpec {
  readonly stdin: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly terminal: boolean;
}

/** Context a `binary://` logger receives in its environment. */
export interface LogContext {
  readonly containerId: string;
  readonly namespace: string;
}

/** Opened stdio of one process. */
export interface OpenedStdio {
  readonly stdin: Readable | undefined;
  readonly stdout: Writable | undefined;
  readonly stderr: Writable | undefined;
  /** Closes everything still open (and stops a binary logger once its pipes are closed). */
  close(): void;
}

/** Fails with InvalidArgument naming the stream unless `path` is an existing fifo. */
async function checkFifo(path: string, which: string): Promise<void> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    const why = err.code === 'ENOENT' ? 'no such fifo' : err.message;
    throw new ShimError(`${which} ${path}: ${why}`, 'ERR_SHIM_INVALID', { cause: err });
  });
  if (!st.isFIFO()) throw new ShimError(`${which} ${path}: not a fifo`, 'ERR_SHIM_INVALID');
}

async function openFifo(path: string, which: string): Promise<Socket> {
  await checkFifo(path, which);
  // Read-write and non-blocking: the open never waits for the reader, and the reader sees EOF
  // when the shim closes its end. A plain fd (a FileHandle would close it when collected).
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  return new Socket({ fd, readable: false, writable: true });
}

/**
 * Opens the stdin fifo for reading without blocking and without a writer of our own: Linux
 * reports no readiness on a fifo whose writer has not come yet, data when it writes, and EOF
 * (hang-up) once it closes, so the writer closing is stdin's EOF as with containerd's shims. (A
 * blocking open would park a libuv pool thread forever when the writer came and went first, and
 * keep the process from exiting; CloseIO covers that case.)
 */
async function openStdinFifo(path: string): Promise<Readable> {
  await checkFifo(path, 'stdin');
  return new Socket({
    fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK),
    readable: true,
    writable: false,
  });
}

async function openLogFile(url: URL): Promise<Writable> {
  await mkdir(dirname(url.pathname), { recursive: true });
  return createWriteStream(url.pathname, { flags: 'a' });
}

/**
 * Starts a `binary://` logger the way containerd's shims do: the container's stdout and stderr
 * as fds 3 and 4, a readiness pipe as fd 5, CONTAINER_ID and CONTAINER_NAMESPACE in its env.
 */
function startLogger(url: URL, ctx: LogContext): { proc: ChildProcess; stdout: Writable; stderr: Writable } {
  const args: string[] = [];
  for (const [k, v] of url.searchParams) args.push(v === '' ? k : `${k}=${v}`);
  const proc = spawn(url.pathname, args, {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, CONTAINER_ID: ctx.containerId, CONTAINER_NAMESPACE: ctx.namespace },
  });
  proc.on('error', () => undefined);
  const s = proc.stdio as unknown as (Writable | null)[];
  if (!s[3] || !s[4]) throw new ShimError(`log binary ${url.pathname}: no pipes`, 'ERR_SHIM_INVALID');
  s[5]?.on('error', () => undefined);
  return { proc, stdout: s[3], stderr: s[4] };
}

/**
 * Opens a process's stdio: fifos by path, `file://` log files, one `binary://` logger for both
 * streams, nothing for empty entries (null IO, as CRI's sandbox containers use). A missing or
 * wrong fifo is InvalidArgument naming the stream.
 */
export async function openStdio(spec: StdioSpec, ctx: LogContext): Promise<OpenedStdio> {
  const opened: (Readable | Writable)[] = [];
  let logger: ChildProcess | undefined;
  try {
    const stdin = spec.stdin ? await openStdinFifo(spec.stdin) : undefined;
    if (stdin) opened.push(stdin);
    let stdout: Writable | undefined;
    let stderr: Writable | undefined;
    const out = spec.stdout;
    if (out.startsWith('binary://')) {
      const l = startLogger(new URL(out), ctx);
      logger = l.proc;
      stdout = l.stdout;
      stderr = spec.terminal ? undefined : l.stderr;
      if (spec.terminal) l.stderr.end();
    } else {
      if (out.startsWith('file://')) stdout = await openLogFile(new URL(out));
      else if (out) stdout = await openFifo(out, 'stdout');
      if (stdout) opened.push(stdout);
      const err = spec.terminal ? '' : spec.stderr;
      if (err.startsWith('file://'))
        stderr = err === out && stdout ? stdout : await openLogFile(new URL(err));
      else if (err) stderr = await openFifo(err, 'stderr');
      if (stderr && stderr !== stdout) opened.push(stderr);
    }
    for (const s of [stdin, stdout, stderr]) s?.on('error', () => undefined);
    return {
      stdin,
      stdout,
      stderr,
      close(): void {
        stdin?.destroy();
        stdout?.end();
        if (stderr !== stdout) stderr?.end();
      },
    };
  } catch (err) {
    for (const s of opened) s.destroy();
    logger?.kill();
    throw err;
  }
}
