import { IdentityStore, identityFromCreateContainer } from '../identity/index.js';
import type { CreatedContainer, IdentitySink } from './proxy.js';

/**
 * Records each container the agent created under the policy in the identity store, with the
 * measured state at its CreateContainer event (sequence, register value, policy and init-data
 * digests), for ward-spire-plugin to turn into selectors.
 */
export class StoreIdentitySink implements IdentitySink {
  private readonly store: IdentityStore;

  /** @param dir identity store directory @param initdataDigest `sha…:<hex>` or '' */
  constructor(
    dir: string,
    private readonly initdataDigest: string,
  ) {
    this.store = new IdentityStore(dir);
  }

  /** Stores the identity; sandbox (pause) containers carry none and are skipped. */
  async record(entry: CreatedContainer): Promise<void> {
    const input = identityFromCreateContainer(entry.request as never, {
      policyDigest: entry.policyDigest,
      initdataDigest: this.initdataDigest,
      logSequence: entry.measured.sequence,
      registerValue: entry.measured.register,
    });
    if (input === null) return;
    await this.store.record(input);
  }

  /** Removes a container the agent removed. */
  async forget(containerId: string): Promise<void> {
    await this.store.remove(containerId);
  }
}
