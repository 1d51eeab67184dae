import protobuf from 'protobufjs/light.js';
import { ProtoError } from './errors.js';

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const UINT32_MAX = 0xffff_ffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
/** Nesting limit for objects handed to the encoder (a policy input or CLI JSON is never this deep). */
export const MAX_MESSAGE_DEPTH = 64;

const SIGNED64 = new Set(['int64', 'sint64', 'sfixed64']);
const UNSIGNED64 = new Set(['uint64', 'fixed64']);
const SIGNED32 = new Set(['int32', 'sint32', 'sfixed32']);
const UNSIGNED32 = new Set(['uint32', 'fixed32']);

/** Which spellings `validateMessage` accepts: typed values only, or also proto-JSON strings. */
export interface ValidateOptions {
  /** Accept enum names and base64 strings for bytes (CLI JSON input). */
  readonly json?: boolean;
}

/**
 * Strictly checks a message object before encoding: no unknown fields, every value of its field's
 * type and within range. protobufjs would otherwise wrap out-of-range integers silently, and a
 * security boundary must refuse such input rather than change it.
 */
export function validateMessage(type: protobuf.Type, value: unknown, opts: ValidateOptions = {}): void {
  check(type, value, type.name, 0, opts);
}

function fail(path: string, what: string): never {
  throw new ProtoError('ERR_PROTO_ENCODE', `${path}: ${what}`);
}

function check(
  type: protobuf.Type,
  value: unknown,
  path: string,
  depth: number,
  opts: ValidateOptions,
): void {
  if (depth > MAX_MESSAGE_DEPTH) fail(path, `nested deeper than ${MAX_MESSAGE_DEPTH}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'expected an object');
  const fields = type.fields;
  for (const [key, v] of Object.entries(value)) {
    const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (field === undefined) fail(`${path}.${key}`, `no such field in ${type.fullName.slice(1)}`);
    if (v === undefined || (v === null && !field.repeated && !(field instanceof protobuf.MapField))) continue;
    const p = `${path}.${key}`;
    if (field instanceof protobuf.MapField) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'expected an object (map)');
      for (const [k, item] of Object.entries(v))
        checkValue(field, item, `${p}[${JSON.stringify(k)}]`, depth, opts);
    } else if (field.repeated) {
      if (!Array.isArray(v)) fail(p, 'expected an array');
      v.forEach((item, i) => {
        checkValue(field, item, `${p}[${i}]`, depth, opts);
      });
    } else {
      checkValue(field, v, p, depth, opts);
    }
  }
}

function checkValue(
  field: protobuf.Field,
  v: unknown,
  p: string,
  depth: number,
  opts: ValidateOptions,
): void {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    check(rt, v, p, depth + 1, opts);
    return;
  }
  if (rt instanceof protobuf.Enum) {
    if (opts.json === true && typeof v === 'string') {
      if (!Object.hasOwn(rt.values, v)) fail(p, `unknown ${rt.name} value ${JSON.stringify(v)}`);
      return;
    }
    checkInt(v, INT32_MIN, INT32_MAX, p);
    return;
  }
  const t = field.type;
  if (t === 'string') {
    if (typeof v !== 'string') fail(p, 'expected a string');
  } else if (t === 'bool') {
    if (typeof v !== 'boolean') fail(p, 'expected a boolean');
  } else if (t === 'bytes') {
    if (v instanceof Uint8Array) return;
    if (opts.json === true && typeof v === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) return;
    fail(p, 'expected bytes');
  } else if (t === 'double' || t === 'float') {
    if (typeof v !== 'number') fail(p, 'expected a number');
  } else if (SIGNED32.has(t)) {
    checkInt(v, INT32_MIN, INT32_MAX, p);
  } else if (UNSIGNED32.has(t)) {
    checkInt(v, 0, UINT32_MAX, p);
  } else if (SIGNED64.has(t)) {
    checkBig(v, INT64_MIN, INT64_MAX, p);
  } else if (UNSIGNED64.has(t)) {
    checkBig(v, 0n, UINT64_MAX, p);
  } else {
    fail(p, `unsupported field type ${t}`);
  }
}

function checkInt(v: unknown, min: number, max: number, p: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(p, `expected an integer in [${min}, ${max}]`);
  }
}

function checkBig(v: unknown, min: bigint, max: bigint, p: string): void {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) b = BigInt(v);
  else fail(p, 'expected a 64-bit integer (bigint, safe integer or decimal string)');
  if (b < min || b > max) fail(p, `expected an integer in [${min}, ${max}]`);
}
