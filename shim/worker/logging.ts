import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname, join } from 'node:path';

/** Level names Ward's shim logs with. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** pino's numeric levels: the lines are pino's format, read by the same tools. */
const LEVEL_VALUES: Readonly<Record<LogLevel, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
};

/** One logging call, in pino's call shape (so a pino logger fits wherever this is asked for). */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

/** The logger the shim and its in-process agent log through (a subset of pino's). */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A logger whose lines also carry `bindings`. */
  child(bindings: Record<string, unknown>): Logger;
}

/** Where finished log lines go. */
export interface LogSink {
  write(line: string): void;
}

/** The level after containerd's `-debug` flag: debug raises, never lowers. */
export function effectiveLevel(configured: LogLevel, debug: boolean): LogLevel {
  if (!debug) return configured;
  return configured === 'trace' ? 'trace' : 'debug';
}

/** Errors as pino's serializer writes them; bigint as a number; anything else as JSON has it. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack };
  return value;
}

/** `,"k":v` for each own field of `obj` (undefined values left out, as JSON.stringify does). */
function fields(obj: object): string {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    let text: string | undefined;
    try {
      text = JSON.stringify(v, replacer);
    } catch {
      text = '"[unserializable]"';
    }
    if (text !== undefined) out += `,${JSON.stringify(k)}:${text}`;
  }
  return out;
}

/**
 * A JSON-lines logger writing pino's line format (`level`, `time`, bindings, fields, `msg`).
 * Workers use it instead of pino: pino and the packages it loads cost every worker ~0.4 MB of
 * heap, for the few lines a pod logs.
 */
class JsonLogger implements Logger {
  readonly trace: LogFn;
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;

  constructor(
    private readonly sinks: readonly LogSink[],
    private readonly min: number,
    private readonly bindings: string,
  ) {
    this.trace = this.at(10);
    this.debug = this.at(20);
    this.info = this.at(30);
    this.warn = this.at(40);
    this.error = this.at(50);
  }

  private at(level: number): LogFn {
    if (level < this.min) return () => undefined;
    return (objOrMsg: object | string, msg?: string): void => {
      let line = `{"level":${level},"time":${Date.now()}${this.bindings}`;
      if (typeof objOrMsg === 'string') msg = objOrMsg;
      else line += fields(objOrMsg);
      if (msg !== undefined) line += `,"msg":${JSON.stringify(msg)}`;
      line += '}\n';
      for (const sink of this.sinks) sink.write(line);
    };
  }

  child(bindings: Record<string, unknown>): Logger {
    return new JsonLogger(this.sinks, this.min, this.bindings + fields(bindings));
  }
}

/** A logger at `level` writing to `sinks`, every line carrying `bindings`. */
export function jsonLogger(
  sinks: readonly LogSink[],
  level: LogLevel,
  bindings: Record<string, unknown>,
): Logger {
  return new JsonLogger(sinks, LEVEL_VALUES[level], fields(bindings));
}

/** A log file sink that can be closed. */
export interface FileSink extends LogSink {
  end(): void;
}

/**
 * The worker's own JSON log file. Lines are appended synchronously: a pod logs a handful of
 * lines, and a line written before a crash or `process.exit` is never lost in a buffer.
 */
export function fileDestination(path: string): FileSink {
  mkdirSync(dirname(path), { recursive: true });
  let fd: number | undefined = openSync(path, 'a');
  return {
    write(line) {
      if (fd === undefined) return;
      try {
        writeSync(fd, line);
      } catch {
        // A full or vanished disk must not take the pod down with it.
      }
    },
    end() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/**
 * Opens `<bundle>/log`, the fifo containerd reads a shim's log lines from, without blocking;
 * undefined when there is none (it is only there while containerd listens).
 */
export function bundleLogStream(bundle: string): Socket | undefined {
  try {
    const fd = openSync(join(bundle, 'log'), constants.O_RDWR | constants.O_NONBLOCK);
    const s = new Socket({ fd, readable: false, writable: true });
    s.on('error', () => s.destroy());
    return s;
  } catch {
    return undefined;
  }
}

/** A logger for one task: every line to the worker's file and to the bundle's log fifo. */
export function taskLogger(
  base: LogSink,
  level: LogLevel,
  bundle: string,
  id: string,
): { log: Logger; close: () => void } {
  const fifo = bundleLogStream(bundle);
  const sinks: LogSink[] = [base];
  if (fifo) sinks.push({ write: (line) => void fifo.write(line) });
  const log = jsonLogger(sinks, level, { pid: process.pid, id });
  return { log, close: () => fifo?.end() };
}
