import { randomBytes } from 'node:crypto';
import { canonical, ObjectV, type Value } from '../value/index.js';
import { strOp } from './lib-operand.js';
import type { BuiltinRegistry } from './registry.js';

/** 100-ns intervals between the Gregorian epoch (1582-10-15) and the Unix epoch. */
const GREGORIAN_OFFSET = 122192928000000000n;

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** A random (version 4, RFC 4122 variant) UUID. */
function newUuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return `${hex(b.subarray(0, 4))}-${hex(b.subarray(4, 6))}-${hex(b.subarray(6, 8))}-${hex(b.subarray(8, 10))}-${hex(b.subarray(10))}`;
}

/** google/uuid.Parse: plain, braced, urn:uuid: or 32 hex digits; null when invalid. */
export function parseUuidBytes(s: string): Uint8Array | null {
  let t = s;
  if (t.length === 45 && t.slice(0, 9).toLowerCase() === 'urn:uuid:') t = t.slice(9);
  else if (t.length === 38 && t[0] === '{' && t[37] === '}') t = t.slice(1, 37);
  if (t.length === 36) {
    if (t[8] !== '-' || t[13] !== '-' || t[18] !== '-' || t[23] !== '-') return null;
    t = t.slice(0, 8) + t.slice(9, 13) + t.slice(14, 18) + t.slice(19, 23) + t.slice(24);
  } else if (t.length !== 32) return null;
  if (!/^[0-9a-fA-F]{32}$/.test(t)) return null;
  return Uint8Array.from(Buffer.from(t, 'hex'));
}

function variant(b: number): string {
  if ((b & 0xc0) === 0x80) return 'RFC4122';
  if ((b & 0xe0) === 0xc0) return 'Microsoft';
  if ((b & 0xe0) === 0xe0) return 'Future';
  return 'Reserved';
}

function macVars(b: number): string {
  if ((b & 3) === 3) return 'local:multicast';
  if ((b & 1) === 1) return 'global:multicast';
  if ((b & 2) === 2) return 'local:unicast';
  return 'global:unicast';
}

function parse(s: string): Value | undefined {
  const u = parseUuidBytes(s);
  if (u === null) return undefined;
  const dv = new DataView(u.buffer);
  const version = u[6]! >> 4;
  const o = new ObjectV();
  o.set('version', BigInt(version));
  o.set('variant', variant(u[8]!));
  if (version === 1 || version === 2) {
    const t =
      BigInt(dv.getUint32(0)) | (BigInt(dv.getUint16(4)) << 32n) | (BigInt(dv.getUint16(6) & 0xfff) << 48n);
    o.set('time', (t - GREGORIAN_OFFSET) * 100n);
    const node = u.subarray(10, 16);
    o.set('nodeid', [...node].map((x) => x.toString(16).padStart(2, '0')).join('-'));
    o.set('macvariables', macVars(node[0]!));
    o.set('clocksequence', BigInt(dv.getUint16(8) & 0x3fff));
    if (version === 2) {
      o.set('id', BigInt(dv.getUint32(0)));
      const d = u[9]!;
      o.set('domain', d === 0 ? 'Person' : d === 1 ? 'Group' : d === 2 ? 'Org' : `Domain${d}`);
    }
  }
  return o;
}

/** Registers `uuid.rfc4122` (random, fixed per evaluation and key) and `uuid.parse`. */
export function registerUuid(r: BuiltinRegistry): void {
  r.register({
    name: 'uuid.rfc4122',
    arity: 1,
    nondeterministic: true,
    impl: (args, ctx) => {
      const key = `uuid.rfc4122:${canonical(args[0]!)}`;
      const hit = ctx.cache.get(key);
      if (typeof hit === 'string') return hit;
      const id = newUuid();
      ctx.cache.set(key, id);
      return id;
    },
  });
  r.register({ name: 'uuid.parse', arity: 1, impl: (args) => parse(strOp('uuid.parse', args, 1)) });
}
