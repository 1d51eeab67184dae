import { connect } from '../../proto/index.js';
import { ShimError } from '../errors.js';
import { TtrpcAgentClient } from '../wire/agent-client.js';

/** Pause between connection attempts while an agent comes up. */
const DIAL_RETRY_MS = 10;

/**
 * Connects to an agent at any Ward address (unix://, vsock://, hvsock://, tcp://), retrying
 * until `timeoutMs` passes (a just-started agent may not listen yet), and wraps the stream in
 * the Kata agent client.
 */
export async function dialAgent(
  address: string,
  timeoutMs: number,
  requestTimeoutMs: number,
): Promise<TtrpcAgentClient> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const socket = await connect(address, { timeoutMs: Math.max(1, deadline - Date.now()) });
      return new TtrpcAgentClient(socket, requestTimeoutMs);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, DIAL_RETRY_MS));
    }
  }
  throw new ShimError(
    `agent at ${address} unreachable: ${(last as Error | undefined)?.message ?? 'timeout'}`,
    'ERR_SHIM_AGENT',
    {
      cause: last,
    },
  );
}

/** {@link dialAgent} for a unix socket path. */
export function dialUnixAgent(
  path: string,
  timeoutMs: number,
  requestTimeoutMs: number,
): Promise<TtrpcAgentClient> {
  return dialAgent(`unix://${path}`, timeoutMs, requestTimeoutMs);
}
