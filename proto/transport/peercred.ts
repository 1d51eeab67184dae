import type { Socket } from 'node:net';
import { TransportError, TransportErrorCode } from './errors.js';
import { lastErrno, socketLibc, syscallError } from './libc.js';
import { SO_PEERCRED, SOL_SOCKET } from './sockaddr.js';

/** A unix peer's credentials as the kernel recorded them at connect time (SO_PEERCRED). */
export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/**
 * Who may connect to a unix listener, as Go ttrpc's UnixSocketRequireSameUser / RequireRoot /
 * RequireUidGid: 'same-user' is this process's effective uid and gid, 'root' is uid 0 and gid 0;
 * an object names uid and/or gid (an omitted field matches anything).
 */
export type PeerCredentialPolicy =
  | 'any'
  | 'same-user'
  | 'root'
  | { readonly uid?: number | undefined; readonly gid?: number | undefined };

const UCRED_SIZE = 12;

/** The descriptor behind a node socket, when libuv exposes one. */
export function socketFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** Reads SO_PEERCRED of a connected unix socket through koffi. */
export function peerCredentials(socket: Socket): PeerCredentials {
  const fd = socketFd(socket);
  if (fd === undefined) {
    throw new TransportError(
      TransportErrorCode.PEER_CREDENTIALS,
      'peer credentials: the socket has no descriptor',
    );
  }
  const cred = Buffer.alloc(UCRED_SIZE);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(UCRED_SIZE);
  if (socketLibc().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) !== 0) {
    throw syscallError(TransportErrorCode.PEER_CREDENTIALS, 'getsockopt SO_PEERCRED', lastErrno());
  }
  return { pid: cred.readInt32LE(0), uid: cred.readUInt32LE(4), gid: cred.readUInt32LE(8) };
}

function required(policy: PeerCredentialPolicy): { uid: number | undefined; gid: number | undefined } {
  if (policy === 'any') return { uid: undefined, gid: undefined };
  if (policy === 'root') return { uid: 0, gid: 0 };
  if (policy === 'same-user') return { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
  return { uid: policy.uid, gid: policy.gid };
}

/**
 * Checks a connected unix socket against a policy; throws ERR_TRANSPORT_PEER_CREDENTIALS naming the
 * peer when it does not match (or when its credentials cannot be read: fail closed).
 */
export function checkPeerCredentials(
  socket: Socket,
  policy: PeerCredentialPolicy,
): PeerCredentials | undefined {
  if (policy === 'any') return undefined;
  const creds = peerCredentials(socket);
  const want = required(policy);
  if (
    (want.uid !== undefined && creds.uid !== want.uid) ||
    (want.gid !== undefined && creds.gid !== want.gid)
  ) {
    throw new TransportError(
      TransportErrorCode.PEER_CREDENTIALS,
      `peer pid ${creds.pid} uid ${creds.uid} gid ${creds.gid} refused: requires ${describe(want)}`,
    );
  }
  return creds;
}

function describe(want: { uid: number | undefined; gid: number | undefined }): string {
  const parts: string[] = [];
  if (want.uid !== undefined) parts.push(`uid ${want.uid}`);
  if (want.gid !== undefined) parts.push(`gid ${want.gid}`);
  return parts.join(' and ');
}
