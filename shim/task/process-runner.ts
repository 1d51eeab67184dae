import type { AgentClient } from '../drivers/types.js';
import { pumpInput, pumpOutput } from '../io/relay.js';
import type { Logger } from '../worker/logging.js';
import { type EventSink, TOPIC } from './events.js';
import type { TaskProcess } from './process.js';

/** How long an exit waits for its output to drain before it is reported anyway. */
export const OUTPUT_DRAIN_MS = 5_000;

/** Exit status reported when the agent cannot say how a process ended (killed with its sandbox). */
export const LOST_PROCESS_STATUS = 128 + 9;

/** What a running process needs: the agent, where events go, where to log. */
export interface RunnerDeps {
  readonly agent: AgentClient;
  readonly events: EventSink;
  readonly log: Logger;
}

/** CloseStdin once per process, whether EOF on the fifo or CloseIO comes first. */
export function closeStdinOnce(p: TaskProcess, agent: AgentClient, log: Logger): Promise<void> {
  p.stdinClose ??= agent.call('CloseStdin', { container_id: p.containerId, exec_id: p.agentExecId }).then(
    () => undefined,
    (err: unknown) => log.warn({ id: p.name, err: (err as Error).message }, 'CloseStdin failed'),
  );
  return p.stdinClose;
}

/**
 * Runs a started process's side of the shim: stdout/stderr relayed from the agent, stdin relayed
 * to it, and WaitProcess; when the process ends and its output is relayed (or after
 * OUTPUT_DRAIN_MS), it is marked stopped, its stdio closed and /tasks/exit published.
 */
export function runProcess(p: TaskProcess, deps: RunnerDeps): void {
  const { agent, events, log } = deps;
  const { containerId: cid, agentExecId: eid } = p;
  const o = p.opened;
  const out = pumpOutput(agent, 'ReadStdout', cid, eid, o?.stdout);
  const err = p.stdio.terminal ? Promise.resolve() : pumpOutput(agent, 'ReadStderr', cid, eid, o?.stderr);
  p.outputDone = Promise.all([out, err]).then(() => undefined);
  if (o?.stdin) {
    p.stdinFlushed = pumpInput(
      agent,
      cid,
      eid,
      o.stdin,
      () => closeStdinOnce(p, agent, log),
      (e) => log.warn({ id: p.name, err: (e as Error).message }, 'WriteStdin failed'),
    ).flushed;
  }
  log.debug({ id: p.name, stdin: p.stdio.stdin, stdout: p.stdio.stdout }, 'relays started');
  void agent
    .call('WaitProcess', { container_id: cid, exec_id: eid })
    .then((r) => Number(r['status'] ?? 0))
    .catch((e: unknown) => {
      log.warn(
        { id: p.name, err: (e as Error).message },
        'WaitProcess failed; reporting the process as killed',
      );
      return LOST_PROCESS_STATUS;
    })
    .then(async (status) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([p.outputDone, new Promise((r) => (timer = setTimeout(r, OUTPUT_DRAIN_MS)))]);
      clearTimeout(timer);
      p.opened?.close();
      if (!p.markExited(status, Date.now())) return;
      events.publish(TOPIC.exit, {
        container_id: cid,
        id: p.execId || cid,
        pid: p.pid,
        exit_status: status,
        exited_at: p.exitedAt,
      });
    });
}
