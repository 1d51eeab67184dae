import { IdentityError } from './errors.js';
import type { IdentityLookup } from './lookup.js';
import { lookupCgroupPaths } from './lookup.js';
import type { PluginConfig } from './plugin-config.js';
import { cgroupsOfPid } from './proc.js';
import { selectorValues } from './selectors.js';
import type { SignatureStatus } from './signature/verifier.js';
import { checkImageSignature } from './signature/verifier.js';
import type { IdentityStore } from './store.js';

/** Where the attestor asks which Ward container a set of cgroup paths belongs to. */
export interface CgroupResolver {
  byCgroup(paths: readonly string[]): Promise<IdentityLookup | null>;
}

/** A resolver reading a state directory in process (the demo, tools), instead of the socket. */
export function storeResolver(store: IdentityStore): CgroupResolver {
  return { byCgroup: (paths) => lookupCgroupPaths(store, paths) };
}

/**
 * pid → cgroups → Ward container → selectors. The pid is read in the caller's pid namespace
 * (SPIRE's), the container resolved by the registry. Not a Ward container: no selectors. A pid
 * that vanishes before the answer is ready: ERR_IDENTITY_PROCESS_GONE, because its number may
 * already belong to another process.
 */
export async function attestPid(
  pid: number,
  config: PluginConfig,
  registry: CgroupResolver,
): Promise<string[]> {
  const before = await cgroupsOfPid(pid, config.procRoot);
  const lookup = await registry.byCgroup(before.paths);
  if (!lookup) return [];
  const after = await cgroupsOfPid(pid, config.procRoot);
  if (after.paths.join('\n') !== before.paths.join('\n')) {
    throw new IdentityError('ERR_IDENTITY_CGROUP', `process ${pid} changed cgroups during attestation`);
  }
  const r = lookup.record;
  const signature: SignatureStatus = r.imageSignatureVerified
    ? { status: 'verified', subject: r.imageSignatureSubject }
    : await checkImageSignature({ imageName: r.imageName, imageDigest: r.imageDigest }, config.signatures);
  return selectorValues(lookup, signature, config.selectors);
}
