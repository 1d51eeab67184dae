import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createConnection, createServer } from 'node:net';
import { dirname } from 'node:path';
import { peerCredentials } from '../proto/index.js';
import { asIdentityError, IdentityError } from './errors.js';
import { lookupCgroupPaths, lookupContainer } from './lookup.js';
import type { PeerCredentialReader } from './peer.js';
import { checkPeer } from './peer.js';
import { cgroupsOfPid } from './proc.js';
import type { RegistryRequest, RegistryResponse } from './protocol.js';
import { MAX_REGISTRY_LINE, parseRequest } from './protocol.js';
import type { IdentityStore } from './store.js';

/** Options of {@link startRegistryServer}. */
export interface RegistryServerOptions {
  readonly socketPath: string;
  readonly store: IdentityStore;
  /** SO_PEERCRED reader; defaults to proto/transport's (koffi getsockopt). */
  readonly peerCredentials?: PeerCredentialReader;
  /** /proc of the pid namespace `byPid` pids belong to. */
  readonly procRoot?: string;
}

/** A running registry server. */
export interface RegistryServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

async function handle(
  req: RegistryRequest,
  opts: RegistryServerOptions,
  peerCheck: string,
): Promise<unknown> {
  const { store } = opts;
  switch (req.op) {
    case 'ping':
      return { peerCheck };
    case 'list':
      return store.list();
    case 'get':
      return lookupContainer(store, req.containerId);
    case 'byCgroup':
      return lookupCgroupPaths(store, req.cgroupPaths);
    case 'byPid': {
      const cg = await cgroupsOfPid(req.pid, opts.procRoot);
      return lookupCgroupPaths(store, cg.paths);
    }
    case 'record':
      return store.record(req.record as never);
    case 'remove':
      return store.remove(req.containerId);
  }
}

/** The one place registry errors become wire answers. */
function toResponse(err: unknown): RegistryResponse {
  const e = asIdentityError(err, 'ERR_IDENTITY_STATE');
  return { ok: false, code: e.code, message: e.message };
}

function serve(socket: Socket, opts: RegistryServerOptions): void {
  const peer = checkPeer(socket, opts.peerCredentials ?? peerCredentials);
  socket.on('error', () => socket.destroy());
  if (!peer.allowed) {
    // Keep reading (and discarding) so the peer's FIN is seen and the socket really closes.
    socket.resume();
    socket.end(`${JSON.stringify({ ok: false, code: 'ERR_IDENTITY_PEER_DENIED', message: peer.reason })}\n`);
    return;
  }
  let buf = '';
  let chain = Promise.resolve();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buf += chunk;
    if (buf.length > MAX_REGISTRY_LINE && !buf.includes('\n')) {
      socket.end(
        `${JSON.stringify(toResponse(new Error(`request line longer than ${MAX_REGISTRY_LINE} bytes`)))}\n`,
      );
      buf = '';
      return;
    }
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      chain = chain.then(async () => {
        let resp: RegistryResponse;
        try {
          resp = { ok: true, result: (await handle(parseRequest(line), opts, peer.reason)) ?? null };
        } catch (err) {
          resp = toResponse(err);
        }
        if (!socket.destroyed) socket.write(`${JSON.stringify(resp)}\n`);
      });
      nl = buf.indexOf('\n');
    }
  });
}

/** True when something accepts connections on the socket (a live server, not a stale file). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Serves the registry on a unix socket that only root may use, guarded twice: the socket is
 * created 0600 (the umask is narrowed around bind so there is no window) in a directory created
 * 0700, and every peer's SO_PEERCRED uid must be 0 before a single request is read.
 */
export async function startRegistryServer(opts: RegistryServerOptions): Promise<RegistryServer> {
  mkdirSync(dirname(opts.socketPath), { recursive: true, mode: 0o700 });
  if (await answers(opts.socketPath)) {
    throw new IdentityError('ERR_IDENTITY_STATE', `an identity registry already serves ${opts.socketPath}`);
  }
  rmSync(opts.socketPath, { force: true });
  const server: Server = createServer((s) => serve(s, opts));
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(opts.socketPath, 0o600);
  return {
    socketPath: opts.socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(opts.socketPath, { force: true });
      }),
  };
}
