import type { Readable, Writable } from 'node:stream';
import type { AgentClient } from '../drivers/types.js';

/** Bytes asked for per ReadStdout/ReadStderr call (the Kata runtime also reads in 32 KiB steps). */
export const READ_CHUNK = 32 * 1024;

function write(sink: Writable, data: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (sink.destroyed || sink.writableEnded) return resolve();
    if (sink.write(data)) resolve();
    else {
      const done = (): void => {
        sink.off('drain', done);
        sink.off('close', done);
        resolve();
      };
      sink.once('drain', done);
      sink.once('close', done);
    }
  });
}

/**
 * Copies one of the agent's output streams to `sink` until the agent answers with empty data
 * (EOF) or fails (the process is gone); output with no sink is drained and dropped so the
 * process never blocks on a full pipe. Resolves when done; the sink is left to the caller.
 */
export async function pumpOutput(
  agent: AgentClient,
  method: 'ReadStdout' | 'ReadStderr',
  containerId: string,
  execId: string,
  sink: Writable | undefined,
): Promise<void> {
  for (;;) {
    let data: Uint8Array;
    try {
      const r = await agent.call(method, { container_id: containerId, exec_id: execId, len: READ_CHUNK });
      data = (r['data'] as Uint8Array | undefined) ?? new Uint8Array();
    } catch {
      return;
    }
    if (data.length === 0) return;
    if (sink) await write(sink, data);
  }
}

/**
 * Forwards `source` (the stdin fifo) to the agent's WriteStdin in order, one call at a time;
 * at EOF (the writer closed the fifo) CloseStdin follows the last write, as containerd's shims
 * close a process's stdin when the fifo ends. `flushed` resolves after every byte read so far.
 */
export function pumpInput(
  agent: AgentClient,
  containerId: string,
  execId: string,
  source: Readable,
  onEnd: () => Promise<void>,
  onError: (err: unknown) => void = () => undefined,
): { readonly flushed: () => Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  source.on('data', (chunk: Buffer) => {
    source.pause();
    chain = chain
      .then(async () => {
        await agent.call('WriteStdin', { container_id: containerId, exec_id: execId, data: chunk });
      })
      .catch((err: unknown) => onError(err))
      .finally(() => source.resume());
  });
  source.once('end', () => {
    chain = chain.then(onEnd);
  });
  return { flushed: () => chain };
}
