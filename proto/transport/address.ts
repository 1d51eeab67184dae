import { TransportError, TransportErrorCode } from './errors.js';

/**
 * Ward's one address syntax, used by every component and configuration file:
 *   unix:///absolute/path        unix socket on a path
 *   unix://@name                 Linux abstract unix socket
 *   vsock://CID:PORT             AF_VSOCK (CID -1 = VMADDR_CID_ANY, for listening)
 *   hvsock:///path/to/uds:PORT   hybrid vsock: a unix socket muxer plus `CONNECT PORT\n`
 *   tcp://HOST:PORT              TCP (IPv6 hosts in brackets)
 */
export type Address =
  | { readonly kind: 'unix'; readonly path: string; readonly abstract: boolean }
  | { readonly kind: 'vsock'; readonly cid: number; readonly port: number }
  | { readonly kind: 'hvsock'; readonly path: string; readonly port: number }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

/** Bind to any CID (`-1` in addresses). */
export const VMADDR_CID_ANY = 0xffff_ffff;
/** The host's CID as seen from a guest. */
export const VMADDR_CID_HOST = 2;
/** Longest unix socket path: sun_path is 108 bytes including the terminating NUL. */
export const UNIX_PATH_MAX = 107;

const U32_MAX = 0xffff_ffff;

function bad(address: string, why: string): TransportError {
  return new TransportError(TransportErrorCode.ADDRESS, `invalid address "${address}": ${why}`);
}

function parseU32(address: string, text: string, what: string, allowMinusOne: boolean): number {
  if (allowMinusOne && text === '-1') return U32_MAX;
  if (!/^[0-9]{1,10}$/.test(text)) throw bad(address, `${what} must be a decimal number`);
  const n = Number(text);
  if (n > U32_MAX) throw bad(address, `${what} out of range`);
  return n;
}

function checkPath(address: string, path: string): void {
  if (!path.startsWith('/')) throw bad(address, 'the path must be absolute');
  if (path.includes('\0')) throw bad(address, 'the path contains NUL');
  if (Buffer.byteLength(path) > UNIX_PATH_MAX)
    throw bad(address, `the path is longer than ${UNIX_PATH_MAX} bytes`);
}

/** Parses an address string; throws ERR_TRANSPORT_ADDRESS with the reason. */
export function parseAddress(address: string): Address {
  const m = /^([a-z]+):\/\/(.*)$/s.exec(address);
  if (m === null) throw bad(address, 'expected <scheme>://...');
  const scheme = m[1]!;
  const rest = m[2]!;
  switch (scheme) {
    case 'unix': {
      if (rest.startsWith('@')) {
        const name = rest.slice(1);
        if (name.length === 0) throw bad(address, 'empty abstract socket name');
        if (name.includes('\0')) throw bad(address, 'the name contains NUL');
        if (Buffer.byteLength(name) > UNIX_PATH_MAX - 1) throw bad(address, 'abstract name too long');
        return { kind: 'unix', path: name, abstract: true };
      }
      checkPath(address, rest);
      return { kind: 'unix', path: rest, abstract: false };
    }
    case 'vsock': {
      const v = /^(-1|[0-9]+):(-1|[0-9]+)$/.exec(rest);
      if (v === null) throw bad(address, 'expected vsock://CID:PORT');
      return {
        kind: 'vsock',
        cid: parseU32(address, v[1]!, 'CID', true),
        port: parseU32(address, v[2]!, 'port', true),
      };
    }
    case 'hvsock': {
      const i = rest.lastIndexOf(':');
      if (i < 0) throw bad(address, 'expected hvsock:///path:PORT');
      const path = rest.slice(0, i);
      checkPath(address, path);
      return { kind: 'hvsock', path, port: parseU32(address, rest.slice(i + 1), 'port', false) };
    }
    case 'tcp': {
      const t = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/]+)):([0-9]{1,5})$/.exec(rest);
      if (t === null) throw bad(address, 'expected tcp://HOST:PORT');
      const port = Number(t[3]);
      if (port > 65535) throw bad(address, 'port out of range');
      return { kind: 'tcp', host: t[1] ?? t[2]!, port };
    }
    default:
      throw bad(address, `unknown scheme "${scheme}" (unix, vsock, hvsock, tcp)`);
  }
}

/** Formats an address back into its canonical string (parseAddress ∘ formatAddress is the identity). */
export function formatAddress(a: Address): string {
  switch (a.kind) {
    case 'unix':
      return a.abstract ? `unix://@${a.path}` : `unix://${a.path}`;
    case 'vsock':
      return `vsock://${a.cid === VMADDR_CID_ANY ? '-1' : a.cid}:${a.port === U32_MAX ? '-1' : a.port}`;
    case 'hvsock':
      return `hvsock://${a.path}:${a.port}`;
    case 'tcp':
      return `tcp://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
  }
}

/** Accepts an address or its string form. */
export function toAddress(address: string | Address): Address {
  return typeof address === 'string' ? parseAddress(address) : address;
}
