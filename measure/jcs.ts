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
const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  92: '\\\\',
};

/**
 * Serializes a JSON value in the JSON Canonicalization Scheme (RFC 8785): object members sorted
 * by their UTF-16 code units, no whitespace, numbers in ECMAScript's shortest round-trip form,
 * strings with only the mandatory escapes. Lone surrogates, non-finite numbers and anything that
 * is not JSON (undefined, functions, bigint, class instances) are rejected: a measurement must
 * never depend on how a serializer happens to coerce them.
 */
export function canonicalize(value: unknown): string {
  const out: string[] = [];
  write(value, out, 0);
  return out.join('');
}

function write(v: unknown, out: string[], depth: number): void {
  if (depth > MAX_JSON_DEPTH) throw bad(`JSON nesting deeper than ${MAX_JSON_DEPTH}`);
  if (v === null) {
    out.push('null');
    return;
  }
  switch (typeof v) {
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'number':
      out.push(numberToJson(v));
      return;
    case 'string':
      out.push(stringToJson(v));
      return;
    case 'object':
      break;
    default:
      throw bad(`a ${typeof v} is not a JSON value`);
  }
  if (Array.isArray(v)) {
    out.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out.push(',');
      write(v[i], out, depth + 1);
    }
    out.push(']');
    return;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw bad('only plain objects are JSON objects');
  const obj = v as Record<string, unknown>;
  // Default sort compares UTF-16 code units, exactly the order RFC 8785 section 3.2.3 prescribes.
  const keys = Object.keys(obj).sort();
  out.push('{');
  let first = true;
  for (const k of keys) {
    const member = obj[k];
    if (member === undefined) throw bad(`member '${k}' is undefined`);
    if (!first) out.push(',');
    first = false;
    out.push(stringToJson(k), ':');
    write(member, out, depth + 1);
  }
  out.push('}');
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
  let r = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw bad('string contains a lone surrogate');
      r += s[i]! + s[i + 1]!;
      i++;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) throw bad('string contains a lone surrogate');
    const short = SHORT_ESCAPES[c];
    if (short !== undefined) r += short;
    else if (c < 0x20) r += `\\u${c.toString(16).padStart(4, '0')}`;
    else r += s[i]!;
  }
  return `${r}"`;
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
