import { identityFromCreateContainer } from '../../identity/annotations.js';
import { IdentityStore } from '../../identity/store.js';
import type { Logger } from '../worker/logging.js';

/**
 * The shim's part of the identity registry, for pods without ward-agent-proxy: it records each
 * container the agent created (ids, CRI annotations, image; no measured state, so no
 * `measured:true` selector) and forgets it on Delete. With a proxy in front of the agent the
 * proxy records instead, with the log position, and this is not used: two writers would race.
 */
export class ShimIdentity {
  private readonly store: IdentityStore;

  /** @param dir the identity store directory (config `identity.dir`). */
  constructor(
    dir: string,
    private readonly log: Logger,
  ) {
    this.store = new IdentityStore(dir);
  }

  /** Records the container of a CreateContainer request the agent accepted. */
  async created(request: { container_id: string; OCI: unknown }): Promise<void> {
    try {
      const input = identityFromCreateContainer(request as never);
      if (input !== null) await this.store.record(input);
    } catch (err) {
      // Identity is for attestation, not for running the container: a failure is logged, and
      // the container simply gets no selectors (never wrong ones).
      this.log.warn({ err: (err as Error).message, id: request.container_id }, 'identity not recorded');
    }
  }

  /** Forgets a deleted container. */
  async deleted(containerId: string): Promise<void> {
    await this.store.remove(containerId).catch((err: unknown) => {
      this.log.warn({ err: (err as Error).message, id: containerId }, 'identity not removed');
    });
  }
}
