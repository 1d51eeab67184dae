import { createServer, type Server } from 'node:http';
import type { ProxyMetrics } from './metrics.js';

/**
 * Serves `GET /metrics` (Prometheus text) on `host:port` or on a unix socket path (any address
 * starting with '/'). Resolves once listening.
 */
export function serveMetrics(address: string, metrics: ProxyMetrics): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve(server);
    };
    if (address.startsWith('/')) server.listen(address, done);
    else {
      const i = address.lastIndexOf(':');
      const port = Number(address.slice(i + 1));
      if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
        reject(new Error(`metrics address '${address}' is not host:port or a socket path`));
        return;
      }
      server.listen(port, address.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', done);
    }
  });
}
