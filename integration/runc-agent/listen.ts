import { chmodSync } from 'node:fs';
import type { Server as NetServer } from 'node:net';
import { type Address, formatAddress, listen, parseAddress, TransportError } from '../../proto/index.js';
import { AgentError } from './runtime/index.js';

/** The environment variable the kata-agent reads its server address from. */
export const AGENT_ADDR_ENV = 'KATA_AGENT_SERVER_ADDR';
/** Mode of the agent's unix socket file: only its owner may connect. */
export const SOCKET_MODE = 0o600;

/**
 * Parses a listen address in Ward's address syntax (unix://, vsock://, hvsock://, tcp://);
 * a bare absolute path is taken as `unix://PATH`. Bad addresses are INVALID_ARGUMENT.
 */
export function parseListenAddress(addr: string): Address {
  try {
    return parseAddress(addr.startsWith('/') ? `unix://${addr}` : addr);
  } catch (err) {
    if (err instanceof TransportError) throw new AgentError('INVALID_ARGUMENT', err.message, { cause: err });
    throw err;
  }
}

/**
 * Listens on any Ward transport. Unix sockets get mode 0600 and accept only peers of the
 * agent's own user (SO_PEERCRED); a stale socket file is replaced.
 *
 * The caller must attach its 'connection' handler before yielding to the event loop: the
 * listener accepts as soon as it is bound, and net.Server drops (leaves open, unread) a
 * connection emitted with no handler. So nothing here may await after the bind: the mode is
 * set synchronously rather than through listen()'s `mode` option, whose asynchronous chmod let
 * a client that saw the socket file connect before the ttrpc server served it, and then wait
 * forever for an answer.
 */
export async function listenOn(a: Address): Promise<{ server: NetServer; address: string }> {
  try {
    const server = a.kind === 'unix' ? await listen(a, { peerCredentials: 'same-user' }) : await listen(a);
    if (a.kind === 'unix' && !a.abstract) {
      try {
        chmodSync(a.path, SOCKET_MODE);
      } catch (err) {
        server.close();
        throw err;
      }
    }
    const bound = server.address();
    const resolved = a.kind === 'tcp' && typeof bound === 'object' && bound ? { ...a, port: bound.port } : a;
    return { server, address: formatAddress(resolved) };
  } catch (err) {
    throw new AgentError('INTERNAL', `listen ${formatAddress(a)}: ${(err as Error).message}`, { cause: err });
  }
}
