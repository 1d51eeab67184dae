import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Level names Ward's shim logs with. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** The level after containerd's `-debug` flag: debug raises, never lowers. */
export function effectiveLevel(configured: LogLevel, debug: boolean): LogLevel {
  if (!debug) return configured;
  return configured === 'trace' ? 'trace' : 'debug';
}

/** The worker's own JSON log file (pino, asynchronous writes). */
export function fileDestination(path: string): DestinationStream {
  return pino.destination({ dest: path, sync: false, mkdir: true });
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
  base: DestinationStream,
  level: LogLevel,
  bundle: string,
  id: string,
): { log: Logger; close: () => void } {
  const fifo = bundleLogStream(bundle);
  const streams: pino.StreamEntry[] = [{ stream: base, level }];
  if (fifo) streams.push({ stream: fifo, level });
  const log = pino({ level, base: { pid: process.pid, id } }, pino.multistream(streams));
  return { log, close: () => fifo?.end() };
}
