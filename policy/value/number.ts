import { Dec, makeDecimal } from './types.js';

/** A Rego number: bigint when integral, {@link Dec} otherwise. */
export type Num = bigint | Dec;

/** Largest decimal exponent accepted when parsing (1e100000 would allocate a huge bigint). */
export const MAX_NUMBER_EXPONENT = 10_000;

/** Significant digits kept when a division does not terminate (matches float64 output). */
const INEXACT_DIGITS = 17;

const NUMBER_RE = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Parses a JSON/Rego number literal exactly; undefined when malformed or out of range. */
export function parseNumber(text: string): Num | undefined {
  const m = NUMBER_RE.exec(text);
  if (m === null) return undefined;
  const frac = m[3] ?? '';
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  const scale = frac.length - exp;
  if (Math.abs(exp) > MAX_NUMBER_EXPONENT) return undefined;
  let mant = BigInt(`${m[2]}${frac}`);
  if (m[1] === '-') mant = -mant;
  return makeDecimal(mant, scale);
}

/** Converts a JS number (e.g. from a YAML/JSON reader) to an exact Rego number. */
export function fromJsNumber(n: number): Num | undefined {
  if (!Number.isFinite(n)) return undefined;
  if (Number.isInteger(n)) return BigInt(n);
  return parseNumber(String(n));
}

/** Formats a number as OPA prints it in JSON: integers in full, decimals without exponent. */
export function formatNumber(n: Num): string {
  if (typeof n === 'bigint') return n.toString();
  const neg = n.m < 0n;
  let digits = (neg ? -n.m : n.m).toString();
  if (digits.length <= n.s) digits = '0'.repeat(n.s - digits.length + 1) + digits;
  const cut = digits.length - n.s;
  return `${neg ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
}

/** The nearest float64 to a Rego number. */
export function toFloat(n: Num): number {
  return typeof n === 'bigint' ? Number(n) : Number(formatNumber(n));
}

function parts(n: Num): [bigint, number] {
  return typeof n === 'bigint' ? [n, 0] : [n.m, n.s];
}

function align(a: Num, b: Num): [bigint, bigint, number] {
  const [am, as] = parts(a);
  const [bm, bs] = parts(b);
  if (as === bs) return [am, bm, as];
  if (as > bs) return [am, bm * 10n ** BigInt(as - bs), as];
  return [am * 10n ** BigInt(bs - as), bm, bs];
}

/** Exact comparison: negative, zero or positive. */
export function compareNum(a: Num, b: Num): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** a + b, exact. */
export function add(a: Num, b: Num): Num {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  const [x, y, s] = align(a, b);
  return makeDecimal(x + y, s);
}

/** a - b, exact. */
export function sub(a: Num, b: Num): Num {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a - b;
  const [x, y, s] = align(a, b);
  return makeDecimal(x - y, s);
}

/** a * b, exact. */
export function mul(a: Num, b: Num): Num {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a * b;
  const [am, as] = parts(a);
  const [bm, bs] = parts(b);
  return makeDecimal(am * bm, as + bs);
}

/** -a. */
export function neg(a: Num): Num {
  return typeof a === 'bigint' ? -a : new Dec(-a.m, a.s);
}

/** |a|. */
export function abs(a: Num): Num {
  return isNeg(a) ? neg(a) : a;
}

/** True when a < 0. */
export function isNeg(a: Num): boolean {
  return typeof a === 'bigint' ? a < 0n : a.m < 0n;
}

/** True when a == 0. */
export function isZero(a: Num): boolean {
  return a === 0n;
}

/**
 * a / b. Exact when the quotient has a terminating decimal expansion, otherwise rounded to
 * 17 significant digits like OPA's float output. Throws a RangeError on division by zero.
 */
export function div(a: Num, b: Num): Num {
  if (isZero(b)) throw new RangeError('divide by zero');
  let [x, y] = align(a, b);
  if (y < 0n) {
    x = -x;
    y = -y;
  }
  if (x % y === 0n) return x / y;
  const g = gcd(x < 0n ? -x : x, y);
  let den = y / g;
  let twos = 0;
  let fives = 0;
  while (den % 2n === 0n) {
    den /= 2n;
    twos++;
  }
  while (den % 5n === 0n) {
    den /= 5n;
    fives++;
  }
  if (den === 1n) {
    const s = Math.max(twos, fives);
    return makeDecimal((x * 10n ** BigInt(s)) / y, s);
  }
  const f = Number(x) / Number(y);
  if (Number.isFinite(f) && Math.abs(f) > 1e-300) {
    return parseNumber(String(Number(f.toPrecision(INEXACT_DIGITS)))) ?? 0n;
  }
  const s = INEXACT_DIGITS + Math.max(0, y.toString().length - x.toString().length);
  return makeDecimal((x * 10n ** BigInt(s)) / y, s);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** True when the number is integral. */
export function isInt(a: Num): a is bigint {
  return typeof a === 'bigint';
}

/** Rounds half away from zero, as OPA's `round`. */
export function round(a: Num): bigint {
  if (typeof a === 'bigint') return a;
  const p = 10n ** BigInt(a.s);
  const half = p / 2n;
  const m = a.m < 0n ? -a.m : a.m;
  const r = (m + half) / p;
  return a.m < 0n ? -r : r;
}

/** Floor. */
export function floor(a: Num): bigint {
  if (typeof a === 'bigint') return a;
  const p = 10n ** BigInt(a.s);
  const q = a.m / p;
  return a.m < 0n ? q - 1n : q;
}

/** Ceiling. */
export function ceil(a: Num): bigint {
  if (typeof a === 'bigint') return a;
  return floor(a) + 1n;
}
