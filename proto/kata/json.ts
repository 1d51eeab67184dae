import { ProtoError } from '../codec/errors.js';

/** A JSON value as the policy-input code sees it: integers beyond 2^53 stay exact as bigint. */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Nesting limit of policy-input JSON (the deepest Kata request is far shallower). */
export const MAX_JSON_DEPTH = 128;

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Parses JSON text keeping key order and exact integers (bigint when outside the safe range),
 * because the kata-agent's serde output carries u64/i64 values that a double would round.
 */
export function parseJson(text: string): JsonValue {
  const p = { s: text, i: 0 };
  const v = value(p, 0);
  skip(p);
  if (p.i !== p.s.length) bad(p, 'trailing characters');
  return v;
}

function bad(p: { i: number }, what: string): never {
  throw new ProtoError('ERR_PROTO_JSON', `invalid JSON at offset ${p.i}: ${what}`);
}

function skip(p: { s: string; i: number }): void {
  while (p.i < p.s.length && WS.has(p.s.charCodeAt(p.i))) p.i++;
}

function value(p: { s: string; i: number }, depth: number): JsonValue {
  if (depth > MAX_JSON_DEPTH) bad(p, `nested deeper than ${MAX_JSON_DEPTH}`);
  skip(p);
  const c = p.s[p.i];
  if (c === '{') {
    p.i++;
    const obj: { [key: string]: JsonValue } = {};
    skip(p);
    if (p.s[p.i] === '}') {
      p.i++;
      return obj;
    }
    for (;;) {
      skip(p);
      if (p.s[p.i] !== '"') bad(p, 'expected a key');
      const key = str(p);
      skip(p);
      if (p.s[p.i++] !== ':') bad(p, 'expected ":"');
      if (Object.hasOwn(obj, key)) bad(p, `duplicate key ${JSON.stringify(key)}`);
      Object.defineProperty(obj, key, {
        value: value(p, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      skip(p);
      const d = p.s[p.i++];
      if (d === '}') return obj;
      if (d !== ',') bad(p, 'expected "," or "}"');
    }
  }
  if (c === '[') {
    p.i++;
    const arr: JsonValue[] = [];
    skip(p);
    if (p.s[p.i] === ']') {
      p.i++;
      return arr;
    }
    for (;;) {
      arr.push(value(p, depth + 1));
      skip(p);
      const d = p.s[p.i++];
      if (d === ']') return arr;
      if (d !== ',') bad(p, 'expected "," or "]"');
    }
  }
  if (c === '"') return str(p);
  for (const [word, v] of [
    ['true', true],
    ['false', false],
    ['null', null],
  ] as const) {
    if (p.s.startsWith(word, p.i)) {
      p.i += word.length;
      return v;
    }
  }
  NUMBER_RE.lastIndex = p.i;
  const m = NUMBER_RE.exec(p.s);
  if (m === null) bad(p, 'unexpected character');
  p.i += m[0].length;
  if (/^-?\d+$/.test(m[0])) {
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  }
  return Number(m[0]);
}

function str(p: { s: string; i: number }): string {
  // Find the closing quote, then let JSON.parse do escapes and validation of this one string.
  let j = p.i + 1;
  for (;;) {
    const k = p.s.indexOf('"', j);
    if (k < 0) bad(p, 'unterminated string');
    let backslashes = 0;
    for (let b = k - 1; p.s[b] === '\\'; b--) backslashes++;
    if (backslashes % 2 === 0) {
      j = k;
      break;
    }
    j = k + 1;
  }
  const raw = p.s.slice(p.i, j + 1);
  p.i = j + 1;
  try {
    return JSON.parse(raw) as string;
  } catch (cause) {
    throw new ProtoError('ERR_PROTO_JSON', `invalid JSON string at offset ${p.i}`, { cause });
  }
}

/**
 * Serialises like serde_json's compact writer: no spaces, keys in insertion order, integers
 * (number or bigint) as plain digits, strings with serde_json's escapes.
 */
export function stringifyJson(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ProtoError('ERR_PROTO_JSON', 'non-finite number has no JSON form');
    return Number.isInteger(v) ? v.toFixed(0) : String(v);
  }
  if (typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stringifyJson).join(',')}]`;
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v)) parts.push(`${JSON.stringify(k)}:${stringifyJson(x)}`);
  return `{${parts.join(',')}}`;
}
