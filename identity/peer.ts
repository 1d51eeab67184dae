import type { Socket } from 'node:net';

/** Credentials of the process at the other end of a unix socket (SO_PEERCRED). */
export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/**
 * Reads a connected unix socket's peer credentials. proto/transport's `peerCredentials` is the
 * SO_PEERCRED implementation used by default; identity/ owns no FFI.
 */
export type PeerCredentialReader = (socket: Socket) => PeerCredentials;

/** The uid allowed to use the registry socket. */
export const ROOT_UID = 0;

/**
 * Decides whether a peer may talk to the registry: only root. Credentials that cannot be read
 * deny (fail closed).
 */
export function checkPeer(
  socket: Socket,
  reader: PeerCredentialReader,
): { readonly allowed: boolean; readonly reason: string } {
  let cred: PeerCredentials;
  try {
    cred = reader(socket);
  } catch (err) {
    return { allowed: false, reason: `cannot read peer credentials: ${(err as Error).message}` };
  }
  if (cred.uid !== ROOT_UID) return { allowed: false, reason: `peer uid ${cred.uid} is not root` };
  return { allowed: true, reason: 'root' };
}
