import type { CgroupMatch } from './cgroup.js';
import { canonicalPodUid, cgroupPathMatches, matchCgroupPaths } from './cgroup.js';
import { IdentityError } from './errors.js';
import type { IdentityRecord } from './record.js';
import { isContainerId } from './record.js';
import type { IdentityStore } from './store.js';

/** A container's record and every record of its pod (itself included), for pod-wide selectors. */
export interface IdentityLookup {
  readonly record: IdentityRecord;
  readonly pod: readonly IdentityRecord[];
}

function samePod(a: IdentityRecord, b: IdentityRecord): boolean {
  if (a.podUid !== '' && b.podUid !== '') return a.podUid === b.podUid;
  if (a.sandboxId !== '' && b.sandboxId !== '') return a.sandboxId === b.sandboxId;
  return a.containerId === b.containerId;
}

async function withPod(store: IdentityStore, record: IdentityRecord): Promise<IdentityLookup> {
  const all = await store.list();
  return { record, pod: all.filter((r) => samePod(r, record)) };
}

/** Looks a container up by id; null when Ward has no record of it. */
export async function lookupContainer(
  store: IdentityStore,
  containerId: string,
): Promise<IdentityLookup | null> {
  if (!isContainerId(containerId)) {
    throw new IdentityError('ERR_IDENTITY_BAD_ARGUMENT', `invalid container id '${containerId}'`);
  }
  const rec = await store.get(containerId);
  return rec ? withPod(store, rec) : null;
}

/**
 * Finds the Ward container a process belongs to from its cgroup paths: first the container id
 * the paths name (SPIRE's patterns), then the registered cgroupsPath of each record. A pod UID in
 * the cgroup that contradicts the registered one is an error, never a match: null means "not a
 * Ward container", and is only returned when nothing points at one.
 */
export async function lookupCgroupPaths(
  store: IdentityStore,
  paths: readonly string[],
): Promise<IdentityLookup | null> {
  const match: CgroupMatch | null = matchCgroupPaths(paths);
  if (match && isContainerId(match.containerId)) {
    const rec = await store.get(match.containerId);
    if (rec) {
      if (match.podUid !== '' && rec.podUid !== '' && canonicalPodUid(rec.podUid) !== match.podUid) {
        throw new IdentityError(
          'ERR_IDENTITY_CGROUP',
          `pod UID ${match.podUid} in the cgroups of container ${rec.containerId} does not match its registered pod ${rec.podUid}`,
        );
      }
      return withPod(store, rec);
    }
  }
  const all = await store.list();
  const hits = all.filter(
    (r) => r.cgroupsPath !== '' && paths.some((p) => cgroupPathMatches(p, r.cgroupsPath)),
  );
  if (hits.length > 1) {
    throw new IdentityError(
      'ERR_IDENTITY_CGROUP',
      `cgroups match several Ward containers (${hits.map((h) => h.containerId).join(', ')})`,
    );
  }
  const hit = hits[0];
  if (!hit) return null;
  if (match && match.containerId !== hit.containerId) {
    throw new IdentityError(
      'ERR_IDENTITY_CGROUP',
      `cgroups name container ${match.containerId} but sit in the cgroup of ${hit.containerId}`,
    );
  }
  return { record: hit, pod: all.filter((r) => samePod(r, hit)) };
}
