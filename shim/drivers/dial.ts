import { connect, type Socket } from 'node:net';
import { ShimError } from '../errors.js';
import { TtrpcAgentClient } from '../wire/agent-client.js';

/** Pause between connection attempts while an agent comes up. */
const DIAL_RETRY_MS = 10;

function once(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/**
 * Connects to an agent's unix socket, retrying until `timeoutMs` passes (a just-started agent
 * may not listen yet), and wraps it in the Kata agent client.
 */
export async function dialUnixAgent(
  path: string,
  timeoutMs: number,
  requestTimeoutMs: number,
): Promise<TtrpcAgentClient> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return new TtrpcAgentClient(await once(path), requestTimeoutMs);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, DIAL_RETRY_MS));
    }
  }
  throw new ShimError(
    `agent at unix://${path} unreachable: ${(last as Error | undefined)?.message ?? 'timeout'}`,
    'ERR_SHIM_AGENT',
    {
      cause: last,
    },
  );
}
