import type { Logger } from 'pino';
import { ShimError } from '../errors.js';
import type { InProcessAgent } from './local.js';

/**
 * Starts ward-runc-agent's server inside this worker on its own socket, so every agent request
 * still crosses a real socket while the pod costs one process instead of two.
 */
export async function startInProcessAgent(
  _listen: string,
  _root: string,
  _log: Logger,
): Promise<InProcessAgent> {
  throw new ShimError(
    'in-process ward-runc-agent is not available yet; set sandbox.local.agent = "process"',
    'ERR_SHIM_CONFIG',
  );
}
