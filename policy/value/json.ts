import { formatNumber, fromJsNumber, parseNumber } from './number.js';
import { Dec, ObjectV, SetV, type Value } from './types.js';

/** Error raised for malformed JSON text or a JS value with no Rego equivalent. */
export class ValueError extends Error {
  /** Stable error code. */
  readonly code = 'ERR_POLICY_VALUE';
}

/** Deepest nesting accepted when parsing JSON, so hostile input cannot overflow the stack. */
export const MAX_JSON_DEPTH = 1000;

/**
 * Parses JSON text into a Rego value, keeping every number exact (JSON.parse would round
 * 18446744073709551614 to a float).
 */
export function parseJson(text: string): Value {
  const p = new JsonParser(text);
  p.ws();
  const v = p.value(0);
  p.ws();
  if (p.i !== text.length) p.fail('unexpected trailing data');
  return v;
}

class JsonParser {
  i = 0;
  constructor(private readonly s: string) {}

  fail(msg: string): never {
    throw new ValueError(`invalid JSON at offset ${this.i}: ${msg}`);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      this.i++;
    }
  }

  value(depth: number): Value {
    if (depth > MAX_JSON_DEPTH) this.fail('nesting too deep');
    const c = this.s[this.i];
    switch (c) {
      case '{': {
        this.i++;
        const o = new ObjectV();
        this.ws();
        if (this.s[this.i] === '}') {
          this.i++;
          return o;
        }
        for (;;) {
          this.ws();
          if (this.s[this.i] !== '"') this.fail('expected string key');
          const k = this.str();
          this.ws();
          if (this.s[this.i] !== ':') this.fail("expected ':'");
          this.i++;
          this.ws();
          o.set(k, this.value(depth + 1));
          this.ws();
          const d = this.s[this.i++];
          if (d === '}') return o;
          if (d !== ',') this.fail("expected ',' or '}'");
        }
      }
      case '[': {
        this.i++;
        const a: Value[] = [];
        this.ws();
        if (this.s[this.i] === ']') {
          this.i++;
          return a;
        }
        for (;;) {
          this.ws();
          a.push(this.value(depth + 1));
          this.ws();
          const d = this.s[this.i++];
          if (d === ']') return a;
          if (d !== ',') this.fail("expected ',' or ']'");
        }
      }
      case '"':
        return this.str();
      case 't':
        return this.lit('true', true);
      case 'f':
        return this.lit('false', false);
      case 'n':
        return this.lit('null', null);
      default:
        return this.num();
    }
  }

  lit<T extends Value>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.i)) this.fail('unexpected token');
    this.i += word.length;
    return v;
  }

  num(): Value {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    if (r === null) this.fail('unexpected character');
    const n = parseNumber(r[0]);
    if (n === undefined) this.fail('number out of range');
    this.i += r[0].length;
    return n;
  }

  str(): string {
    const s = this.s;
    const start = ++this.i;
    let j = s.indexOf('"', start);
    // Fast path: no escapes.
    if (j >= 0 && s.lastIndexOf('\\', j) < start) {
      this.i = j + 1;
      return s.slice(start, j);
    }
    let out = '';
    let k = start;
    for (;;) {
      j = k;
      while (j < s.length && s[j] !== '"' && s[j] !== '\\') j++;
      if (j >= s.length) this.fail('unterminated string');
      out += s.slice(k, j);
      if (s[j] === '"') {
        this.i = j + 1;
        return out;
      }
      const e = s[j + 1];
      k = j + 2;
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case '/':
        case '\\':
        case '"':
          out += e;
          break;
        case 'u': {
          const h = s.slice(j + 2, j + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail('bad unicode escape');
          out += String.fromCharCode(Number.parseInt(h, 16));
          k = j + 6;
          break;
        }
        default:
          this.fail('bad escape');
      }
    }
  }
}

/** Serialises a value as compact JSON, as OPA does: sets become sorted arrays, keys sorted. */
export function toJson(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'string':
      return JSON.stringify(v);
  }
  if (v instanceof Dec) return formatNumber(v);
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (v instanceof SetV) return `[${v.values().map(toJson).join(',')}]`;
  const o = v as ObjectV;
  const parts = o.entries().map(([k, x]) => `${JSON.stringify(keyText(k))}:${toJson(x)}`);
  return `{${parts.join(',')}}`;
}

/** The JSON object key OPA uses for a (possibly non-string) object key. */
export function keyText(k: Value): string {
  return typeof k === 'string' ? k : toJson(k);
}

/** Pretty JSON (two-space indent), for the CLI's pretty output. */
export function toPrettyJson(v: Value, indent = ''): string {
  const inner = `${indent}  `;
  if (Array.isArray(v) || v instanceof SetV) {
    const items = Array.isArray(v) ? v : v.values();
    if (items.length === 0) return '[]';
    return `[\n${items.map((x) => inner + toPrettyJson(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (v instanceof ObjectV) {
    if (v.size === 0) return '{}';
    const parts = v
      .entries()
      .map(([k, x]) => `${inner}${JSON.stringify(keyText(k))}: ${toPrettyJson(x, inner)}`);
    return `{\n${parts.join(',\n')}\n${indent}}`;
  }
  return toJson(v);
}

/**
 * Converts a plain JS value (JSON.parse output, or `yaml` with intAsBigInt) to a Rego value.
 * Map and Set instances become objects and sets.
 */
export function fromJs(x: unknown): Value {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case 'boolean':
    case 'string':
    case 'bigint':
      return x;
    case 'number': {
      const n = fromJsNumber(x);
      if (n === undefined) throw new ValueError(`number ${x} has no Rego equivalent`);
      return n;
    }
  }
  if (x instanceof Dec || x instanceof ObjectV || x instanceof SetV) return x;
  if (Array.isArray(x)) return x.map(fromJs);
  if (x instanceof Set) return SetV.from([...x].map(fromJs));
  if (x instanceof Map) return ObjectV.from([...x].map(([k, v]) => [fromJs(k), fromJs(v)] as const));
  if (typeof x === 'object') {
    const o = new ObjectV();
    for (const [k, v] of Object.entries(x)) o.set(k, fromJs(v));
    return o;
  }
  throw new ValueError(`${typeof x} has no Rego equivalent`);
}

/**
 * Converts a Rego value to plain JS: numbers become JS numbers when exactly representable,
 * otherwise bigint (integers) or a decimal string kept exact as `number` is impossible.
 */
export function toJs(v: Value): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (v instanceof Dec) return Number(formatNumber(v));
  if (Array.isArray(v)) return v.map(toJs);
  if (v instanceof SetV) return v.values().map(toJs);
  const out: Record<string, unknown> = {};
  for (const [k, x] of (v as ObjectV).entries()) out[keyText(k)] = toJs(x);
  return out;
}
