import { startRuncAgent } from '../../integration/runc-agent/index.js';
import type { Logger } from '../worker/logging.js';
import type { InProcessAgent } from './local.js';

/**
 * Starts ward-runc-agent's server inside this worker on its own socket, so every agent request
 * still crosses a real socket while the pod costs one process instead of two.
 */
export async function startInProcessAgent(
  listen: string,
  root: string,
  log: Logger,
  runc: string,
): Promise<InProcessAgent> {
  const agent = await startRuncAgent({
    listen,
    root,
    logger: log.child({ component: 'ward-runc-agent' }),
    ...(runc ? { runc } : {}),
  });
  return { close: () => agent.stop() };
}
