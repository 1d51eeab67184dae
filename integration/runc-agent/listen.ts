import { rmSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { AgentError } from './runtime/index.js';

/** The environment variable the kata-agent reads its server address from. */
export const AGENT_ADDR_ENV = 'KATA_AGENT_SERVER_ADDR';

/** A parsed listen address. */
export type ListenAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

/**
 * Parses `unix:///path`, `unix:path`, a bare absolute path, or `tcp://host:port`. vsock and
 * hybrid vsock addresses are refused here: a host-side agent has no guest end to bind.
 */
export function parseListenAddress(addr: string): ListenAddress {
  if (addr.startsWith('unix://')) return unixAddr(addr.slice('unix://'.length), addr);
  if (addr.startsWith('unix:')) return unixAddr(addr.slice('unix:'.length), addr);
  if (addr.startsWith('/')) return unixAddr(addr, addr);
  if (addr.startsWith('tcp://')) {
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(addr);
    const port = Number(m?.[2]);
    if (!m || port > 65535)
      throw new AgentError(
        'INVALID_ARGUMENT',
        `listen address ${JSON.stringify(addr)}: expected tcp://HOST:PORT`,
      );
    return { kind: 'tcp', host: (m[1] ?? '').replace(/^\[|\]$/g, '') || '127.0.0.1', port };
  }
  if (/^(vsock|hvsock):/.test(addr)) {
    throw new AgentError(
      'INVALID_ARGUMENT',
      `listen address ${JSON.stringify(addr)}: ward-runc-agent runs on the host; use unix:// or tcp://`,
    );
  }
  throw new AgentError(
    'INVALID_ARGUMENT',
    `listen address ${JSON.stringify(addr)}: expected unix://PATH or tcp://HOST:PORT`,
  );
}

function unixAddr(path: string, addr: string): ListenAddress {
  if (!path.startsWith('/'))
    throw new AgentError(
      'INVALID_ARGUMENT',
      `listen address ${JSON.stringify(addr)}: the path must be absolute`,
    );
  return { kind: 'unix', path };
}

/** Opens a listening socket (a stale unix socket file is replaced; mode 0600). */
export function listenOn(addr: ListenAddress): Promise<{ server: NetServer; address: string }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (e) => reject(new AgentError('INTERNAL', `listen: ${e.message}`, { cause: e })));
    if (addr.kind === 'unix') {
      rmSync(addr.path, { force: true });
      const old = process.umask(0o177);
      server.listen(addr.path, () => {
        process.umask(old);
        resolve({ server, address: `unix://${addr.path}` });
      });
    } else {
      server.listen(addr.port, addr.host, () => {
        const a = server.address();
        const port = typeof a === 'object' && a ? a.port : addr.port;
        resolve({
          server,
          address: `tcp://${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${port}`,
        });
      });
    }
  });
}
