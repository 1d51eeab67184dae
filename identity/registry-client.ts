import { createConnection } from 'node:net';
import { IdentityError } from './errors.js';
import type { IdentityLookup } from './lookup.js';
import type { RegistryRequest, RegistryResponse } from './protocol.js';
import { DEFAULT_REGISTRY_SOCKET, MAX_REGISTRY_LINE, REGISTRY_TIMEOUT_MS } from './protocol.js';
import type { IdentityInput, IdentityRecord } from './record.js';

/**
 * Client of the registry socket: one connection per call, so a registry restart between calls
 * costs nothing. Registry-side failures come back as IdentityErrors with the server's code.
 */
export class RegistryClient {
  /** Path of the registry socket. */
  readonly socketPath: string;

  /** @param socketPath registry socket (default /run/ward/identity.sock). */
  constructor(socketPath: string = DEFAULT_REGISTRY_SOCKET) {
    this.socketPath = socketPath;
  }

  /** Sends one request and returns its result. */
  call(req: RegistryRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(this.socketPath);
      let buf = '';
      let done = false;
      const finish = (err: Error | null, value?: unknown): void => {
        if (done) return;
        done = true;
        sock.destroy();
        if (err) reject(err);
        else resolve(value);
      };
      sock.setTimeout(REGISTRY_TIMEOUT_MS, () =>
        finish(
          new IdentityError('ERR_IDENTITY_UNAVAILABLE', `identity registry ${this.socketPath} timed out`),
        ),
      );
      sock.setEncoding('utf8');
      sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
      sock.on('error', (err) =>
        finish(
          new IdentityError(
            'ERR_IDENTITY_UNAVAILABLE',
            `identity registry ${this.socketPath}: ${err.message}`,
            {
              cause: err,
            },
          ),
        ),
      );
      sock.on('close', () =>
        finish(new IdentityError('ERR_IDENTITY_UNAVAILABLE', `identity registry ${this.socketPath} closed`)),
      );
      sock.on('data', (chunk: string) => {
        buf += chunk;
        if (buf.length > MAX_REGISTRY_LINE) {
          finish(new IdentityError('ERR_IDENTITY_PROTOCOL', 'registry answer too long'));
          return;
        }
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        let resp: RegistryResponse;
        try {
          resp = JSON.parse(buf.slice(0, nl)) as RegistryResponse;
        } catch {
          finish(new IdentityError('ERR_IDENTITY_PROTOCOL', 'registry answer is not JSON'));
          return;
        }
        if (resp.ok) finish(null, resp.result);
        else finish(new IdentityError(knownCode(resp.code), resp.message));
      });
    });
  }

  /** The container's record and its pod, or null. */
  async get(containerId: string): Promise<IdentityLookup | null> {
    return (await this.call({ op: 'get', containerId })) as IdentityLookup | null;
  }

  /** The Ward container whose cgroups are these, or null. */
  async byCgroup(cgroupPaths: readonly string[]): Promise<IdentityLookup | null> {
    return (await this.call({ op: 'byCgroup', cgroupPaths })) as IdentityLookup | null;
  }

  /** The Ward container of a pid as the registry's pid namespace sees it, or null. */
  async byPid(pid: number): Promise<IdentityLookup | null> {
    return (await this.call({ op: 'byPid', pid })) as IdentityLookup | null;
  }

  /** Every record. */
  async list(): Promise<IdentityRecord[]> {
    return (await this.call({ op: 'list' })) as IdentityRecord[];
  }

  /** Records (or replaces) a container's identity. */
  async record(record: IdentityInput): Promise<IdentityRecord> {
    return (await this.call({ op: 'record', record })) as IdentityRecord;
  }

  /** Removes a container's identity; false when there was none. */
  async remove(containerId: string): Promise<boolean> {
    return (await this.call({ op: 'remove', containerId })) as boolean;
  }
}

function knownCode(code: string): IdentityError['code'] {
  return (code.startsWith('ERR_IDENTITY_') ? code : 'ERR_IDENTITY_PROTOCOL') as IdentityError['code'];
}
