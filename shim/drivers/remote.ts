import type { WardConfig } from '../config/schema.js';
import { dialAgent } from './dial.js';
import type { SandboxDriver, SandboxHandle } from './types.js';

/**
 * The `remote` driver: the pod's agent already runs somewhere (a pre-started VM, a peer-pod VM)
 * at `sandbox.remote.address`. Nothing is started or stopped; no host files can be shared, so
 * the agent must find container rootfs by itself (guest pull, block devices).
 */
export class RemoteDriver implements SandboxDriver {
  readonly kind = 'remote' as const;
  private readonly cfg: WardConfig;
  private handle: SandboxHandle | undefined;

  constructor(cfg: WardConfig) {
    this.cfg = cfg;
  }

  async start(): Promise<SandboxHandle> {
    const addr = this.cfg.sandbox.remote.address;
    const agent = await dialAgent(addr, this.cfg.agent.dial_timeout_ms, this.cfg.agent.request_timeout_ms);
    this.handle = { agent, sharedDir: undefined, pid: process.pid };
    return this.handle;
  }

  async stop(): Promise<void> {
    this.handle?.agent.close();
    this.handle = undefined;
  }
}
