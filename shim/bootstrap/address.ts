import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Where containerd's shims put their sockets; Ward uses the same directory. */
export const DEFAULT_SOCKET_DIR = '/run/containerd/s';

/** Prefix of a unix socket address as containerd prints and parses it. */
export const UNIX_PREFIX = 'unix://';

/**
 * The socket path serving one pod: a hash of containerd's address, the namespace and the pod's
 * group id, so private containerds and namespaces never collide and the path stays < 108 bytes.
 */
export function podSocketPath(
  socketDir: string,
  containerdAddress: string,
  namespace: string,
  group: string,
): string {
  const digest = createHash('sha256')
    .update(join(containerdAddress, namespace, group))
    .digest('hex');
  return join(socketDir, digest);
}

/** `unix:///path` for a socket path. */
export function unixAddress(path: string): string {
  return `${UNIX_PREFIX}${path}`;
}

/** Accepts TTRPC_ADDRESS with or without `unix://` and returns the socket path. */
export function stripUnix(address: string): string {
  return address.startsWith(UNIX_PREFIX) ? address.slice(UNIX_PREFIX.length) : address;
}
