import { makeDecimal, type Value } from '../value/index.js';
import { builtinErr } from './args.js';
import { strOp } from './lib-operand.js';
import type { BuiltinRegistry } from './registry.js';

/** Most exponent digits accepted in scientific notation (OPA's maxExponentDigits). */
export const MAX_EXPONENT_DIGITS = 6;

/** Decimal places kept for a non-integral `units.parse` result (big.Rat FloatString(10)). */
const UNITS_DECIMALS = 10;

const K = 1000n;
const KI = 1024n;

const BYTE_UNITS: Record<string, bigint> = {
  '': 1n,
  kb: K,
  k: K,
  kib: KI,
  ki: KI,
  mb: K ** 2n,
  m: K ** 2n,
  mib: KI ** 2n,
  mi: KI ** 2n,
  gb: K ** 3n,
  g: K ** 3n,
  gib: KI ** 3n,
  gi: KI ** 3n,
  tb: K ** 4n,
  t: K ** 4n,
  tib: KI ** 4n,
  ti: KI ** 4n,
  pb: K ** 5n,
  p: K ** 5n,
  pib: KI ** 5n,
  pi: KI ** 5n,
  eb: K ** 6n,
  e: K ** 6n,
  eib: KI ** 6n,
  ei: KI ** 6n,
};

const SI_UNITS: Record<string, bigint> = {
  '': 1n,
  k: K,
  K: K,
  ki: KI,
  Ki: KI,
  M: K ** 2n,
  mi: KI ** 2n,
  Mi: KI ** 2n,
  g: K ** 3n,
  G: K ** 3n,
  gi: KI ** 3n,
  Gi: KI ** 3n,
  t: K ** 4n,
  T: K ** 4n,
  ti: KI ** 4n,
  Ti: KI ** 4n,
  p: K ** 5n,
  P: K ** 5n,
  pi: KI ** 5n,
  Pi: KI ** 5n,
  e: K ** 6n,
  E: K ** 6n,
  ei: KI ** 6n,
  Ei: KI ** 6n,
};

// Go's float64 0.001 (what OPA multiplies by for "m"), exactly: 1152921504606847 / 2^60.
const MILLI_NUM = 1152921504606847n;
const MILLI_DEN = 1n << 60n;

class ExponentTooLarge extends Error {}

/** OPA's extractNumAndUnit: the numeric prefix (digits, '.', exponents) and the rest. */
function splitNumUnit(s: string): [string, string] {
  const digit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  let first = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (!digit(c) && c !== '.' && c !== 'e' && c !== 'E' && c !== '+' && c !== '-') {
      first = i;
      break;
    }
    if (c === 'e' || c === 'E') {
      const n = s[i + 1];
      if (i === s.length - 1 || (!digit(n) && n !== '+' && n !== '-')) {
        first = i;
        break;
      }
      if (n === '+' || n === '-') i++;
      let end = i + 1;
      while (end < s.length && digit(s[end])) end++;
      if (end - (i + 1) > MAX_EXPONENT_DIGITS) throw new ExponentTooLarge();
    }
  }
  if (first === -1) return [s, ''];
  if (first === 0) return ['', s];
  return [s.slice(0, first), s.slice(first)];
}

/** Parses a decimal (Go big.Rat/big.Float syntax) as an exact fraction num/den. */
function parseRational(s: string): [bigint, bigint] | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  let num = BigInt(`${m[2]}${frac}` || '0');
  if (m[1] === '-') num = -num;
  let exp = (m[4] === undefined ? 0 : Number(m[4])) - frac.length;
  let den = 1n;
  if (exp >= 0) num *= 10n ** BigInt(exp);
  else {
    exp = -exp;
    den = 10n ** BigInt(exp);
  }
  return [num, den];
}

function parseParts(name: string, raw: string, noAmount: string, spaces: string): [string, string] {
  const s = raw.replace(/"/g, '');
  if (s.includes(' ')) throw builtinErr(name, spaces);
  let parts: [string, string];
  try {
    parts = splitNumUnit(s);
  } catch (e) {
    if (e instanceof ExponentTooLarge) throw builtinErr(name, 'exponent too large');
    throw e;
  }
  if (parts[0] === '') throw builtinErr(name, noAmount);
  return parts;
}

function parseBytes(args: readonly Value[]): Value {
  const name = 'units.parse_bytes';
  const raw = strOp(name, args, 1).toLowerCase();
  const [num, unit] = parseParts(
    name,
    raw,
    'no byte amount provided',
    'spaces not allowed in resource strings',
  );
  const mult = BYTE_UNITS[unit];
  if (mult === undefined) throw builtinErr(name, `byte unit ${unit} not recognized`);
  const r = parseRational(num);
  if (r === undefined) throw builtinErr(name, 'could not parse byte amount to a number');
  // Truncated toward zero, as big.Float.Int does.
  return (r[0] * mult) / r[1];
}

function roundHalfAway(num: bigint, den: bigint, places: number): Value {
  const scale = 10n ** BigInt(places);
  const neg = num < 0n !== den < 0n;
  const n = (num < 0n ? -num : num) * scale;
  const d = den < 0n ? -den : den;
  let q = n / d;
  if ((n % d) * 2n >= d) q++;
  return makeDecimal(neg ? -q : q, places);
}

function parseUnits(args: readonly Value[]): Value {
  const name = 'units.parse';
  const raw = strOp(name, args, 1);
  const [num, u] = parseParts(name, raw, 'no amount provided', 'spaces not allowed in resource strings');
  const unit = u.length > 1 ? u[0] + u.slice(1).toLowerCase() : u;
  let mn: bigint;
  let md = 1n;
  if (unit === 'm') {
    mn = MILLI_NUM;
    md = MILLI_DEN;
  } else {
    const m = SI_UNITS[unit];
    if (m === undefined) throw builtinErr(name, `unit ${unit} not recognized`);
    mn = m;
  }
  const r = parseRational(num);
  if (r === undefined) throw builtinErr(name, 'could not parse amount to a number');
  const n = r[0] * mn;
  const d = r[1] * md;
  if (n % d === 0n) return n / d;
  return roundHalfAway(n, d, UNITS_DECIMALS);
}

/** Registers `units.parse` and `units.parse_bytes`. */
export function registerUnits(r: BuiltinRegistry): void {
  r.register({ name: 'units.parse', arity: 1, impl: parseUnits });
  r.register({ name: 'units.parse_bytes', arity: 1, impl: parseBytes });
}
