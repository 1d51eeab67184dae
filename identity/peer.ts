import type { Socket } from 'node:net';

/** Credentials of the process at the other end of a unix socket (SO_PEERCRED). */
export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/**
 * Reads a connected unix socket's peer credentials. Ward's transports (proto/) provide the
 * SO_PEERCRED implementation; identity/ only depends on this shape so the registry server can be
 * wired to it without owning any FFI.
 */
export type PeerCredentialReader = (socket: Socket) => PeerCredentials;

/** The uid allowed to use the registry socket. */
export const ROOT_UID = 0;

/**
 * Decides whether a peer may talk to the registry: only root. Without a reader the socket's own
 * permissions (0600, owned by root, in a directory only root may enter) are the only guard and the
 * result is 'unchecked', which the server reports in its `ping` answer so operators can see it.
 */
export function checkPeer(
  socket: Socket,
  reader: PeerCredentialReader | undefined,
): { readonly allowed: boolean; readonly reason: string } {
  if (!reader) return { allowed: true, reason: 'unchecked' };
  let cred: PeerCredentials;
  try {
    cred = reader(socket);
  } catch (err) {
    return { allowed: false, reason: `cannot read peer credentials: ${(err as Error).message}` };
  }
  if (cred.uid !== ROOT_UID) return { allowed: false, reason: `peer uid ${cred.uid} is not root` };
  return { allowed: true, reason: 'root' };
}
