import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadStream } from 'node:tty';
import { ConsoleSocket, closeFd, pipe, setWindowSize, UNIX_PATH_MAX } from '../../sys/index.js';
import { AgentError } from './errors.js';
import type { RuncStdio } from './runc.js';
import { OutputStream } from './stream.js';

/** Byte the terminal's line discipline turns into end-of-file for the reader (VEOF, ^D). */
const TERMINAL_EOF = Buffer.from([0x04]);

/** The agent's side of one container process's stdio, pipes or a terminal. */
export interface ProcessIo {
  /** Whether the process runs on a terminal (stdout and stderr are then one stream). */
  readonly terminal: boolean;
  /** How runc must be started for this process. */
  readonly runcStdio: RuncStdio;
  /** `--console-socket` path, for a terminal. */
  readonly consoleSocket?: string;
  /** Called once runc has returned successfully: closes the child's ends, takes the pty. */
  attach(): Promise<void>;
  /** Called when runc failed: releases everything. */
  abort(): void;
  /** The stdout (or terminal) stream. */
  readonly stdout: OutputStream | undefined;
  /** The stderr stream; undefined on a terminal. */
  readonly stderr: OutputStream | undefined;
  /** Writes to stdin; resolves with the number of bytes accepted. */
  write(data: Buffer): Promise<number>;
  /** Closes stdin (a terminal receives ^D instead, since its master also carries output). */
  closeStdin(): Promise<void>;
  /** Resizes the terminal; FAILED_PRECONDITION for pipes. */
  resize(rows: number, cols: number): void;
  /** Releases every fd. */
  close(): void;
}

/** Creates pipe stdio (three real kernel pipes). */
export function pipeIo(): ProcessIo {
  const stdin = pipe();
  const stdout = pipe();
  const stderr = pipe();
  const childEnds = [stdin.read, stdout.write, stderr.write] as const;
  let inSock: Socket | undefined;
  let out: OutputStream | undefined;
  let err: OutputStream | undefined;
  let childClosed = false;
  const closeChild = (): void => {
    if (childClosed) return;
    childClosed = true;
    for (const fd of childEnds) closeSync(fd);
  };
  return {
    terminal: false,
    runcStdio: { fds: childEnds },
    async attach() {
      closeChild();
      inSock = new Socket({ fd: stdin.write, readable: false, writable: true });
      inSock.on('error', () => undefined);
      out = new OutputStream(new Socket({ fd: stdout.read, readable: true, writable: false }));
      err = new OutputStream(new Socket({ fd: stderr.read, readable: true, writable: false }));
    },
    abort() {
      closeChild();
      for (const fd of [stdin.write, stdout.read, stderr.read]) closeSync(fd);
    },
    get stdout() {
      return out;
    },
    get stderr() {
      return err;
    },
    write: (data) => writeTo(inSock, data),
    async closeStdin() {
      if (inSock && !inSock.writableEnded) await new Promise<void>((resolve) => inSock?.end(resolve));
    },
    resize() {
      throw new AgentError('FAILED_PRECONDITION', 'the process has no terminal');
    },
    close() {
      inSock?.destroy();
      out?.close();
      err?.close();
    },
  };
}

/**
 * Where a console socket goes: a short random name in `dir`, or in the system temp directory
 * when `dir` is too deep for sun_path (ids of 64 hex digits make long paths).
 */
function consoleSocketPath(dir: string): string {
  const name = `${randomBytes(8).toString('hex')}.sock`;
  const p = join(dir, name);
  return Buffer.byteLength(p) < UNIX_PATH_MAX ? p : join(tmpdir(), `ward-console-${name}`);
}

/** Creates terminal stdio: a console socket (in `dir` if it fits) that runc hands the pty master to. */
export function terminalIo(dir: string, size?: { rows: number; cols: number }): ProcessIo {
  const sock = ConsoleSocket.listen(consoleSocketPath(dir));
  const master = sock.receiveMaster();
  master.catch(() => undefined);
  let tty: ReadStream | undefined;
  let fd = -1;
  let out: OutputStream | undefined;
  return {
    terminal: true,
    runcStdio: { fds: [devNull(), devNull(), devNull()] },
    consoleSocket: sock.path,
    async attach() {
      const got = await master;
      sock.close();
      fd = got.fd;
      if (size && size.rows > 0 && size.cols > 0) setWindowSize(fd, size.rows, size.cols);
      tty = new ReadStream(fd);
      out = new OutputStream(tty);
    },
    abort() {
      sock.close();
      // runc may have sent the master before failing: close it rather than leak it.
      master.then(
        ({ fd: got }) => closeFd(got),
        () => undefined,
      );
    },
    get stdout() {
      return out;
    },
    stderr: undefined,
    write: (data) => writeTo(tty, data),
    async closeStdin() {
      await writeTo(tty, TERMINAL_EOF);
    },
    resize(rows, cols) {
      if (fd < 0) throw new AgentError('FAILED_PRECONDITION', 'the terminal is not attached yet');
      setWindowSize(fd, rows, cols);
    },
    close() {
      sock.close();
      out?.close();
    },
  };
}

let nullFd = -1;
function devNull(): number {
  // runc's own stdio when the container uses a terminal; opened once and kept.
  if (nullFd < 0) nullFd = openNull();
  return nullFd;
}

function openNull(): number {
  // libuv opens every file close-on-exec.
  return openSync('/dev/null', 'r+');
}

function writeTo(sock: Socket | ReadStream | undefined, data: Buffer): Promise<number> {
  if (!sock || sock.destroyed || sock.writableEnded) {
    return Promise.reject(new AgentError('FAILED_PRECONDITION', 'stdin is closed'));
  }
  return new Promise((resolve, reject) => {
    sock.write(data, (e) =>
      e ? reject(new AgentError('INTERNAL', `write to stdin: ${e.message}`)) : resolve(data.length),
    );
  });
}
