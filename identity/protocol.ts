import { IdentityError } from './errors.js';

/** Default path of the registry socket. */
export const DEFAULT_REGISTRY_SOCKET = '/run/ward/identity.sock';
/** Longest request or response line on the registry socket. */
export const MAX_REGISTRY_LINE = 1024 * 1024;
/** How long a client waits for the registry's answer. */
export const REGISTRY_TIMEOUT_MS = 10_000;

/**
 * One request on the registry socket (docs/IDENTITY.md). JSON, one object per line; answers
 * come back one line each, in order.
 */
export type RegistryRequest =
  | { readonly op: 'ping' }
  | { readonly op: 'list' }
  | { readonly op: 'get'; readonly containerId: string }
  | { readonly op: 'byPid'; readonly pid: number }
  | { readonly op: 'byCgroup'; readonly cgroupPaths: readonly string[] }
  | { readonly op: 'record'; readonly record: unknown }
  | { readonly op: 'remove'; readonly containerId: string };

/** The answer to one request: `result` on success, a stable `code` and message otherwise. */
export type RegistryResponse =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string };

const OPS = new Set(['ping', 'list', 'get', 'byPid', 'byCgroup', 'record', 'remove']);

function protocolError(message: string): IdentityError {
  return new IdentityError('ERR_IDENTITY_PROTOCOL', message);
}

/** Parses and checks the shape of one request line. */
export function parseRequest(line: string): RegistryRequest {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw protocolError('request is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw protocolError('request must be an object');
  const o = v as Record<string, unknown>;
  const op = o['op'];
  if (typeof op !== 'string' || !OPS.has(op)) throw protocolError(`unknown op ${JSON.stringify(op)}`);
  switch (op) {
    case 'get':
    case 'remove':
      if (typeof o['containerId'] !== 'string') throw protocolError(`${op} needs containerId`);
      return { op, containerId: o['containerId'] };
    case 'byPid':
      if (typeof o['pid'] !== 'number') throw protocolError('byPid needs a numeric pid');
      return { op, pid: o['pid'] };
    case 'byCgroup': {
      const paths = o['cgroupPaths'];
      if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
        throw protocolError('byCgroup needs cgroupPaths: string[]');
      }
      return { op, cgroupPaths: paths as string[] };
    }
    case 'record':
      return { op, record: o['record'] };
    default:
      return { op: op as 'ping' | 'list' };
  }
}
