import { AgentError, type AgentLogger, type Sandbox } from './runtime/index.js';

/**
 * The most a stop of the agent takes, as a kata-agent's shutdown is bounded: after it the
 * process exits whatever is still pending, so a stuck wait can never keep it alive.
 */
export const AGENT_STOP_TIMEOUT_MS = 10_000;
/** Part of {@link AGENT_STOP_TIMEOUT_MS} kept for the forced clean-up once the graceful one overran. */
export const AGENT_FORCE_CLEANUP_MS = 3_000;

/** What a stop needs from the agent. */
export interface StopParts {
  /** Stops serving (in-flight calls are aborted). */
  readonly closeServer: () => Promise<void>;
  readonly sandbox: Sandbox;
  readonly log: AgentLogger;
  /** Releases what outlives the sandbox (socket file, watchers); runs in every outcome. */
  readonly release: () => void;
}

/**
 * Stops the agent within `timeoutMs`: closes the server and destroys the sandbox; if that has
 * not finished when only {@link AGENT_FORCE_CLEANUP_MS} of the budget remains, runc containers
 * are force-deleted, stdio closed and mounts removed, and the stop rejects with
 * DEADLINE_EXCEEDED naming the step it was stuck in and what was left.
 */
export async function stopWithin(parts: StopParts, timeoutMs = AGENT_STOP_TIMEOUT_MS): Promise<void> {
  const { sandbox, log } = parts;
  const forceMs = Math.min(AGENT_FORCE_CLEANUP_MS, Math.floor(timeoutMs / 2));
  let step = 'closing the ttrpc server';
  const graceful = (async (): Promise<void> => {
    log.debug?.({}, `stop: ${step}`);
    await parts.closeServer();
    step = 'destroying the sandbox';
    log.debug?.({ containers: sandbox.containerIds }, `stop: ${step}`);
    await sandbox.destroy();
    step = 'done';
    log.debug?.({}, 'stop: sandbox destroyed');
  })();
  let timer: NodeJS.Timeout | undefined;
  const overran = new Promise<'overran'>((resolve) => {
    timer = setTimeout(() => resolve('overran'), timeoutMs - forceMs);
  });
  let outcome: 'done' | 'overran';
  try {
    outcome = await Promise.race([graceful.then(() => 'done' as const), overran]);
  } catch (err) {
    clearTimeout(timer);
    parts.release();
    log.warn({ err: String(err), step }, 'stop: clean-up failed');
    throw err;
  }
  clearTimeout(timer);
  if (outcome === 'done') {
    parts.release();
    return;
  }
  // The graceful clean-up may still settle later; nobody awaits it any more.
  graceful.catch(() => undefined);
  const stuck = step;
  log.warn({ stuck, after: timeoutMs - forceMs }, 'stop: graceful clean-up overran; forcing');
  const left = await Promise.race([
    // Each runc gets most of the budget; they run side by side.
    sandbox.forceCleanup(Math.floor(forceMs * 0.8)),
    new Promise<string[]>((resolve) => {
      timer = setTimeout(() => resolve(['forced clean-up itself did not finish']), forceMs);
    }),
  ]);
  clearTimeout(timer);
  parts.release();
  throw new AgentError(
    'DEADLINE_EXCEEDED',
    `stop not done after ${timeoutMs - forceMs} ms (stuck ${stuck}); forced clean-up left: ${
      left.length > 0 ? left.join(', ') : 'nothing'
    }`,
  );
}
