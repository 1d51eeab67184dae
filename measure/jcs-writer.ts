import { MeasureError } from './errors.js';

/** Deepest nesting the canonicalizer accepts; deeper input is rejected rather than risking the stack. */
export const MAX_JSON_DEPTH = 128;

/** Distinct member-name sequences whose sorted order is remembered; past this it is cleared. */
export const MEMBER_ORDER_CACHE_SIZE = 512;
/** Objects with more members than this are sorted every time (their order is not remembered). */
export const MEMBER_ORDER_CACHE_MAX_MEMBERS = 64;

// Bytes the writer starts with, and what it shrinks back to after one large value: the proxy
// writes a record per request, most under a kilobyte.
const INITIAL_BYTES = 16 * 1024;
const KEEP_BYTES = 1 << 20;
// Strings at least this long that need no escape go through Buffer#write in one native call;
// shorter ones are copied a UTF-16 unit at a time, cheaper than the call.
const NATIVE_STRING_CHARS = 256;

// Characters RFC 8785 section 3.2.2.2 escapes, plus surrogates (checked one by one).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
// The short escapes of section 3.2.2.2, by character code; other controls are \u00xx.
const SHORT_ESCAPES: Readonly<Record<number, number>> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };
const HEX = '0123456789abcdef';

// Objects of one message type list the same members in the same order, request after request:
// their sorted order is looked up by the first name and confirmed name by name (property names
// are interned strings, so that is a pointer comparison each) rather than sorted again.
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

/**
 * Writes RFC 8785 canonical JSON as UTF-8 straight into a growing buffer: no intermediate
 * strings, so a log record is its bytes from the start (the proxy writes one per request).
 *
 * `lossless` widens what is accepted to what decoded requests hold, each with one fixed form:
 * a bigint is written as the integer when within ±(2^53 − 1) and as a string of its decimal
 * digits beyond (a JSON parser would round it); undefined as null; NaN and the infinities as the
 * strings "NaN", "Infinity", "-Infinity". Without it those are errors, as RFC 8785 requires.
 */
export class JcsWriter {
  /** The bytes written so far are `buf[0, length)` (the caller may have reserved a prefix). */
  buf = Buffer.allocUnsafe(INITIAL_BYTES);
  /** End of what has been written. */
  length = 0;

  /** Starts over with `at` bytes reserved (left as they are) before the text. */
  reset(at: number): void {
    if (this.buf.length > KEEP_BYTES) this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    this.length = 0;
    this.reserve(at);
    this.length = at;
  }

  /** Writes a string's UTF-8 as it is (no quotes, no escapes); lone surrogates are an error. */
  text(s: string): void {
    this.chars(s, false);
  }

  /** Writes one value. */
  value(v: unknown, depth: number, lossless: boolean): void {
    if (depth > MAX_JSON_DEPTH) throw bad(`JSON nesting deeper than ${MAX_JSON_DEPTH}`);
    if (v === null) {
      this.ascii('null');
      return;
    }
    switch (typeof v) {
      case 'boolean':
        this.ascii(v ? 'true' : 'false');
        return;
      case 'number':
        if (Number.isFinite(v)) this.ascii(String(v));
        else if (lossless) this.ascii(`"${v}"`);
        else throw bad(`${v} is not a JSON number`);
        return;
      case 'string':
        this.chars(v, true);
        return;
      case 'bigint':
        if (!lossless) throw bad('a bigint is not a JSON value');
        this.ascii(v >= MIN_SAFE && v <= MAX_SAFE ? v.toString() : `"${v.toString()}"`);
        return;
      case 'undefined':
        if (!lossless) throw bad('a undefined is not a JSON value');
        this.ascii('null');
        return;
      case 'object':
        break;
      default:
        throw bad(`a ${typeof v} is not a JSON value`);
    }
    if (!Array.isArray(v)) {
      this.object(v as Record<string, unknown>, depth, lossless, undefined, undefined);
      return;
    }
    this.byte(0x5b);
    for (let i = 0; i < v.length; i++) {
      if (i > 0) this.byte(0x2c);
      this.value(v[i], depth + 1, lossless);
    }
    this.byte(0x5d);
  }

  /**
   * Writes an object's members in canonical order, with `extra` added as a member of value
   * `extraValue` when given (the log adds `seq` to every event this way, without a copy).
   */
  object(
    obj: { readonly [k: string]: unknown },
    depth: number,
    lossless: boolean,
    extra: string | undefined,
    extraValue: unknown,
  ): void {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) throw bad('only plain objects are JSON objects');
    const names = Object.keys(obj);
    if (extra !== undefined) {
      if (Object.hasOwn(obj, extra)) throw bad(`member '${extra}' is already set`);
      names.push(extra);
    }
    const keys = sortedNames(names);
    this.byte(0x7b);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const member = k === extra ? extraValue : obj[k];
      if (member === undefined && !lossless) throw bad(`member '${k}' is undefined`);
      if (i > 0) this.byte(0x2c);
      this.chars(k, true);
      this.byte(0x3a);
      this.value(member, depth + 1, lossless);
    }
    this.byte(0x7d);
  }

  private reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  private byte(c: number): void {
    this.reserve(1);
    this.buf[this.length++] = c;
  }

  // For text known to be ASCII (numbers, literals).
  private ascii(s: string): void {
    this.reserve(s.length);
    const b = this.buf;
    let o = this.length;
    for (let i = 0; i < s.length; i++) b[o++] = s.charCodeAt(i);
    this.length = o;
  }

  private chars(s: string, quoted: boolean): void {
    const n = s.length;
    // Worst case: six bytes per unit (\u00xx), three for any other unit, plus the quotes.
    this.reserve(n * 6 + 2);
    const b = this.buf;
    let o = this.length;
    if (quoted) b[o++] = 0x22;
    if (n >= NATIVE_STRING_CHARS && !NEEDS_ESCAPE.test(s)) {
      o += b.write(s, o, 'utf8');
    } else {
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80) {
          if (!quoted || (c >= 0x20 && c !== 0x22 && c !== 0x5c)) b[o++] = c;
          else o = writeEscape(b, o, c);
        } else if (c < 0x800) {
          b[o++] = 0xc0 | (c >> 6);
          b[o++] = 0x80 | (c & 0x3f);
        } else if (c < 0xd800 || c > 0xdfff) {
          b[o++] = 0xe0 | (c >> 12);
          b[o++] = 0x80 | ((c >> 6) & 0x3f);
          b[o++] = 0x80 | (c & 0x3f);
        } else {
          const d = c <= 0xdbff && i + 1 < n ? s.charCodeAt(i + 1) : 0;
          if (d < 0xdc00 || d > 0xdfff) throw bad('string contains a lone surrogate');
          const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          b[o++] = 0xf0 | (cp >> 18);
          b[o++] = 0x80 | ((cp >> 12) & 0x3f);
          b[o++] = 0x80 | ((cp >> 6) & 0x3f);
          b[o++] = 0x80 | (cp & 0x3f);
          i++;
        }
      }
    }
    if (quoted) b[o++] = 0x22;
    this.length = o;
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// Writes the escape of an ASCII character that needs one at `o`; returns where it ends.
function writeEscape(b: Buffer, o: number, c: number): number {
  b[o++] = 0x5c;
  if (c === 0x22 || c === 0x5c) {
    b[o++] = c;
    return o;
  }
  const short = SHORT_ESCAPES[c];
  if (short !== undefined) {
    b[o++] = short;
    return o;
  }
  b[o++] = 0x75;
  b[o++] = 0x30;
  b[o++] = 0x30;
  b[o++] = HEX.charCodeAt(c >> 4);
  b[o++] = HEX.charCodeAt(c & 0xf);
  return o;
}

// ERR_MEASURE_BAD_INPUT for a value the canonicalizer refuses.
function bad(msg: string): MeasureError {
  return new MeasureError('ERR_MEASURE_BAD_INPUT', `cannot canonicalize: ${msg}`);
}
