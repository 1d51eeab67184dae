import { invalidField } from './errors.js';

/** A decoded protobuf message as plain data (proto field names). */
export type Msg = Readonly<Record<string, unknown>>;

/** A nested message field; undefined when absent, InvalidArgument when not an object. */
export function msg(m: Msg | undefined, key: string, path: string): Msg | undefined {
  const v = m?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || isLong(v))
    throw invalidField(`${path}.${key}`, 'must be a message');
  return v as Msg;
}

/** A string field ('' when absent). */
export function str(m: Msg | undefined, key: string, path: string): string {
  const v = m?.[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalidField(`${path}.${key}`, 'must be a string');
  return v;
}

/** A bool field (false when absent). */
export function bool(m: Msg | undefined, key: string, path: string): boolean {
  const v = m?.[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw invalidField(`${path}.${key}`, 'must be a boolean');
  return v;
}

/** A numeric field (0 when absent); accepts protobufjs Longs, bigints and decimal strings. */
export function num(m: Msg | undefined, key: string, path: string): number {
  return toNumber(m?.[key], `${path}.${key}`);
}

/** Converts one scalar to a safe integer or throws InvalidArgument naming `field`. */
export function toNumber(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'string' && /^-?\d+$/.test(v)) n = Number(v);
  else if (isLong(v)) n = (v as { toNumber(): number }).toNumber();
  else throw invalidField(field, 'must be a number');
  if (!Number.isFinite(n)) throw invalidField(field, 'must be a finite number');
  return n;
}

/** A repeated field; [] when absent. */
export function list(m: Msg | undefined, key: string, path: string): unknown[] {
  const v = m?.[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidField(`${path}.${key}`, 'must be a list');
  return v;
}

/** A repeated string field. */
export function strings(m: Msg | undefined, key: string, path: string): string[] {
  return list(m, key, path).map((s, i) => {
    if (typeof s !== 'string') throw invalidField(`${path}.${key}[${i}]`, 'must be a string');
    return s;
  });
}

/** A repeated message field. */
export function msgs(m: Msg | undefined, key: string, path: string): Msg[] {
  return list(m, key, path).map((x, i) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x))
      throw invalidField(`${path}.${key}[${i}]`, 'must be a message');
    return x as Msg;
  });
}

/** A map<string,string> field. */
export function stringMap(m: Msg | undefined, key: string, path: string): Record<string, string> {
  const v = m?.[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidField(`${path}.${key}`, 'must be a map');
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw invalidField(`${path}.${key}[${k}]`, 'must be a string');
    out[k] = x;
  }
  return out;
}

/** A bytes field (protobufjs gives Uint8Array; JSON callers may give base64 or number arrays). */
export function bytes(m: Msg | undefined, key: string, path: string): Buffer {
  const v = m?.[key];
  if (v === undefined || v === null) return Buffer.alloc(0);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'string') return Buffer.from(v, 'base64');
  if (Array.isArray(v) && v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]);
  throw invalidField(`${path}.${key}`, 'must be bytes');
}

function isLong(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'low' in v && 'high' in v && 'toNumber' in v;
}
