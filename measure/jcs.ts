import { MeasureError } from './errors.js';

/** Deepest nesting canonicalize() accepts; deeper input is rejected rather than risking the stack. */
export const MAX_JSON_DEPTH = 128;

/** A JSON value as RFC 8785 understands it (I-JSON: finite numbers, well-formed strings). */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [k: string]: JsonValue };

// Characters that RFC 8785 section 3.2.2.2 requires escaping, plus surrogates (checked separately).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Member names whose serialized form is remembered across calls; past this count it is cleared. */
export const MEMBER_NAME_CACHE_SIZE = 2048;
/** Longest member name the cache keeps (names come from schemas, but map keys from requests). */
export const MEMBER_NAME_CACHE_MAX_CHARS = 64;

// The proxy canonicalizes every request, and its member names are mostly the same few dozen
// schema field names: each is checked for escapes and quoted once rather than every time.
const memberNames = new Map<string, string>();

/** Distinct member-name sequences whose sorted order is remembered; past this it is cleared. */
export const MEMBER_ORDER_CACHE_SIZE = 512;
/** Objects with more members than this are sorted every time (their order is not remembered). */
export const MEMBER_ORDER_CACHE_MAX_MEMBERS = 64;

// Objects of one message type list the same members in the same order, request after request:
// their sorted order is looked up by the first name and confirmed name by name (property names
// are interned strings, so that is a pointer comparison each) rather than sorted again, which
// would also copy the array twice.
const memberOrders = new Map<
  string,
  { readonly names: readonly string[]; readonly sorted: readonly string[] }[]
>();
let memberOrderCount = 0;

/** `names` sorted by UTF-16 code units (RFC 8785 section 3.2.3); `names` may be sorted in place. */
function sortedNames(names: string[]): readonly string[] {
  const n = names.length;
  if (n < 2) return names;
  if (n > MEMBER_ORDER_CACHE_MAX_MEMBERS) return names.sort();
  const first = names[0]!;
  const known = memberOrders.get(first);
  if (known !== undefined) {
    for (const o of known) if (sameNames(o.names, names)) return o.sorted;
  }
  const entry = { names: names.slice(), sorted: names.sort() };
  if (memberOrderCount >= MEMBER_ORDER_CACHE_SIZE) {
    memberOrders.clear();
    memberOrderCount = 0;
  }
  const list = memberOrders.get(first);
  if (list === undefined) memberOrders.set(first, [entry]);
  else list.push(entry);
  memberOrderCount++;
  return entry.sorted;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function memberToJson(k: string): string {
  let j = memberNames.get(k);
  if (j !== undefined) return j;
  j = stringToJson(k);
  if (k.length <= MEMBER_NAME_CACHE_MAX_CHARS) {
    if (memberNames.size >= MEMBER_NAME_CACHE_SIZE) memberNames.clear();
    memberNames.set(k, j);
  }
  return j;
}

/**
 * Serializes a JSON value in the JSON Canonicalization Scheme (RFC 8785): object members sorted
 * by their UTF-16 code units, no whitespace, numbers in ECMAScript's shortest round-trip form,
 * strings with only the mandatory escapes. Lone surrogates, non-finite numbers and anything that
 * is not JSON (undefined, functions, bigint, class instances) are rejected: a measurement must
 * never depend on how a serializer happens to coerce them.
 */
export function canonicalize(value: unknown): string {
  return write(value, 0);
}

// Builds the text by concatenation (V8 joins the pieces once, when the string is first read
// flat) rather than pushing parts into an array: the proxy canonicalizes every request.
function write(v: unknown, depth: number): string {
  if (depth > MAX_JSON_DEPTH) throw bad(`JSON nesting deeper than ${MAX_JSON_DEPTH}`);
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return numberToJson(v);
    case 'string':
      return stringToJson(v);
    case 'object':
      break;
    default:
      throw bad(`a ${typeof v} is not a JSON value`);
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    let out = `[${write(v[0], depth + 1)}`;
    for (let i = 1; i < v.length; i++) out += `,${write(v[i], depth + 1)}`;
    return `${out}]`;
  }
  return writeObject(v as Record<string, unknown>, depth, undefined, undefined);
}

// An object's members in canonical order, with `extra` added as a member of value `extraValue`
// when given (canonicalizeWithMember).
function writeObject(
  obj: { readonly [k: string]: unknown },
  depth: number,
  extra: string | undefined,
  extraValue: unknown,
): string {
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) throw bad('only plain objects are JSON objects');
  const names = Object.keys(obj);
  if (extra !== undefined) {
    if (Object.hasOwn(obj, extra)) throw bad(`member '${extra}' is already set`);
    names.push(extra);
  }
  const keys = sortedNames(names);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const member = k === extra ? extraValue : obj[k];
    if (member === undefined) throw bad(`member '${k}' is undefined`);
    out += `${i === 0 ? '' : ','}${memberToJson(k)}:${write(member, depth + 1)}`;
  }
  return `${out}}`;
}

/**
 * The canonical form of `{...obj, [key]: value}` without building that object: the log adds
 * `seq` to every event this way. `key` must not already be a member.
 */
export function canonicalizeWithMember(
  obj: { readonly [k: string]: unknown },
  key: string,
  value: unknown,
): string {
  return writeObject(obj, 0, key, value);
}

/** RFC 8785 section 3.2.2.3: ECMAScript Number serialization; NaN and infinities are errors. */
export function numberToJson(n: number): string {
  if (!Number.isFinite(n)) throw bad(`${n} is not a JSON number`);
  // String(-0) is "0", as the scheme requires.
  return String(n);
}

/** RFC 8785 section 3.2.2.2 string serialization. */
export function stringToJson(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  // JSON.stringify escapes exactly RFC 8785's set (the short forms, else lowercase \u00xx), but
  // it would escape a lone surrogate where the scheme requires an error.
  if (LONE_SURROGATE.test(s)) throw bad('string contains a lone surrogate');
  return JSON.stringify(s);
}

/** Parses JSON text and returns its canonical form; throws ERR_MEASURE_BAD_INPUT on bad JSON. */
export function canonicalizeText(text: string): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new MeasureError('ERR_MEASURE_BAD_INPUT', `content is not JSON: ${(err as Error).message}`);
  }
  return canonicalize(v);
}

function bad(msg: string): MeasureError {
  return new MeasureError('ERR_MEASURE_BAD_INPUT', `cannot canonicalize: ${msg}`);
}
