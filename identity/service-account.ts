import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where Kubernetes projects a pod's service-account token into every container. */
export const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Largest token file read; real tokens are a few KiB. */
export const MAX_TOKEN_BYTES = 64 * 1024;

const SUB_PREFIX = 'system:serviceaccount:';

/** One OCI mount as much as identity/ needs of it. */
export interface MountLike {
  readonly destination: string;
  readonly source: string;
}

/**
 * The service-account name carried by a Kubernetes token's claims: the bound-token claim
 * `kubernetes.io.serviceaccount.name`, else the legacy `kubernetes.io/serviceaccount/service-account.name`,
 * else the `sub` claim `system:serviceaccount:<ns>:<name>`. The token's signature is not checked:
 * the name is only as trusted as the mount Ward itself set up. Returns '' when none is readable.
 */
export function serviceAccountFromJwt(token: string): string {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts[1]) return '';
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return '';
  }
  if (typeof claims !== 'object' || claims === null) return '';
  const c = claims as Record<string, unknown>;
  const k8s = c['kubernetes.io'];
  if (typeof k8s === 'object' && k8s !== null) {
    const sa = (k8s as Record<string, unknown>)['serviceaccount'];
    if (typeof sa === 'object' && sa !== null) {
      const name = (sa as Record<string, unknown>)['name'];
      if (typeof name === 'string' && name !== '') return name;
    }
  }
  const legacy = c['kubernetes.io/serviceaccount/service-account.name'];
  if (typeof legacy === 'string' && legacy !== '') return legacy;
  const sub = c['sub'];
  if (typeof sub === 'string' && sub.startsWith(SUB_PREFIX)) {
    const rest = sub.slice(SUB_PREFIX.length).split(':');
    if (rest.length === 2 && rest[1]) return rest[1];
  }
  return '';
}

/**
 * Finds the projected service-account mount among a container's mounts and reads the name from
 * its token when the source is readable here. '' when there is no such mount or no readable name.
 */
export function serviceAccountFromMounts(mounts: readonly MountLike[]): string {
  const m = mounts.find((x) => x.destination.replace(/\/+$/, '') === SERVICE_ACCOUNT_MOUNT);
  if (!m || m.source === '') return '';
  try {
    const buf = readFileSync(join(m.source, 'token'));
    if (buf.length > MAX_TOKEN_BYTES) return '';
    return serviceAccountFromJwt(buf.toString('utf8'));
  } catch {
    return '';
  }
}
