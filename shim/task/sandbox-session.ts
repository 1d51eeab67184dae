import type { AgentClient, SandboxDriver, SandboxHandle } from '../drivers/types.js';
import { ShimError } from '../errors.js';
import { agentStatsToMetrics } from '../translate/metrics.js';
import { createSandboxRequest, destroySandboxRequest, sandboxSharesPidNs } from '../translate/sandbox.js';
import type { Logger } from '../worker/logging.js';
import type { EventSink } from './events.js';
import { TOPIC } from './events.js';

/**
 * The pod's sandbox as the task service sees it: started with the first container
 * (CreateSandbox from that container's spec, as the Kata runtime does), watched for OOM events,
 * destroyed when its last container is deleted.
 */
export class SandboxSession {
  readonly namespace: string;
  readonly sandboxId: string;
  private readonly driver: SandboxDriver;
  private readonly events: EventSink;
  private readonly log: Logger;
  private handle: SandboxHandle | undefined;
  private starting: Promise<SandboxHandle> | undefined;
  private stopped = false;

  constructor(opts: {
    namespace: string;
    sandboxId: string;
    driver: SandboxDriver;
    events: EventSink;
    log: Logger;
  }) {
    this.namespace = opts.namespace;
    this.sandboxId = opts.sandboxId;
    this.driver = opts.driver;
    this.events = opts.events;
    this.log = opts.log;
  }

  /** The running sandbox's agent; FailedPrecondition before the first Create. */
  agent(): AgentClient {
    if (!this.handle) throw new ShimError(`sandbox ${this.sandboxId}: not running`, 'ERR_SHIM_PRECONDITION');
    return this.handle.agent;
  }

  /** Starts the sandbox for the first container (its spec gives the hostname); later calls reuse it. */
  ensure(firstContainerId: string, spec: Record<string, unknown>): Promise<SandboxHandle> {
    if (this.handle) return Promise.resolve(this.handle);
    this.starting ??= (async () => {
      const handle = await this.driver.start();
      try {
        await handle.agent.call(
          'CreateSandbox',
          createSandboxRequest(this.sandboxId, spec, sandboxSharesPidNs(spec)),
        );
      } catch (err) {
        await this.driver.stop().catch(() => undefined);
        throw err;
      }
      this.handle = handle;
      this.stopped = false;
      this.log.info(
        { sandbox: this.sandboxId, first: firstContainerId, driver: this.driver.kind },
        'sandbox created',
      );
      void this.watchOom(handle.agent);
      return handle;
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async watchOom(agent: AgentClient): Promise<void> {
    while (!this.stopped && this.handle?.agent === agent) {
      try {
        const ev = await agent.call('GetOOMEvent', {});
        const cid = typeof ev['container_id'] === 'string' ? ev['container_id'] : '';
        if (cid) this.events.publish(TOPIC.oom, { container_id: cid });
      } catch {
        return;
      }
    }
  }

  /** Destroys the sandbox when no container is left. */
  async releaseIfEmpty(remaining: number): Promise<void> {
    if (remaining > 0 || !this.handle) return;
    const h = this.handle;
    this.stopped = true;
    this.handle = undefined;
    await h.agent
      .call('DestroySandbox', destroySandboxRequest())
      .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'DestroySandbox failed'));
    h.agent.close();
    await this.driver.stop();
    this.log.info({ sandbox: this.sandboxId }, 'sandbox destroyed');
  }

  /** The agent's container stats as cgroups v1 Metrics in an Any, as the Kata runtime reports them. */
  async stats(containerId: string): Promise<{ type_url: string; value: Uint8Array }> {
    const r = await this.agent().call('StatsContainer', { container_id: containerId });
    return agentStatsToMetrics(r);
  }

  /** Stops everything (worker shutdown). */
  async close(): Promise<void> {
    await this.releaseIfEmpty(0);
    await this.driver.stop().catch(() => undefined);
  }
}
