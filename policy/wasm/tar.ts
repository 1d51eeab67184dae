import { gunzipSync } from 'node:zlib';
import { PolicyError } from '../lang/errors.js';

/** Largest bundle accepted (compressed or not), so a hostile bundle cannot exhaust memory. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

const BLOCK = 512;

function fail(msg: string): never {
  throw new PolicyError('policy_limit_error', `bundle: ${msg}`);
}

function field(buf: Uint8Array, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return Buffer.from(buf.subarray(start, end < 0 || end > start + len ? start + len : end)).toString('utf8');
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(b: Uint8Array): boolean {
  return b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Reads the regular files of a (gzipped) tar archive such as an OPA bundle: path → bytes. */
export function readTar(archive: Uint8Array): Map<string, Uint8Array> {
  if (archive.length > MAX_BUNDLE_BYTES) fail('too large');
  const tar = isGzip(archive) ? gunzipSync(archive, { maxOutputLength: MAX_BUNDLE_BYTES }) : archive;
  const out = new Map<string, Uint8Array>();
  let off = 0;
  while (off + BLOCK <= tar.length) {
    const header = tar.subarray(off, off + BLOCK);
    if (header.every((x) => x === 0)) break;
    const name = field(header, 0, 100);
    const prefix = field(header, 345, 155);
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    if (!Number.isSafeInteger(size) || size < 0) fail(`bad size for ${name}`);
    const type = String.fromCharCode(header[156] ?? 0);
    const start = off + BLOCK;
    if (start + size > tar.length) fail(`truncated entry ${name}`);
    const path = `/${[prefix, name].filter((s) => s !== '').join('/')}`
      .replace(/\/+/g, '/')
      .replace(/^\/\.\//, '/');
    if (type === '0' || type === '\u0000') out.set(path, tar.subarray(start, start + size));
    off = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}
