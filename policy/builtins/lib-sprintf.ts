/**
 * Go's fmt.Sprintf, for Rego's `sprintf`. OPA hands Go an `int` for integers that fit in 64
 * bits, a `*big.Int` for larger ones, a `float64` for other numbers, the string itself for
 * strings, and the Rego text of any other value as a string; the verbs then behave exactly as
 * in Go, including the `%!verb(type=value)` error notations.
 */
import { Dec, formatNumber, type Value } from '../value/index.js';
import { builtinErr } from './args.js';
import { formatFloatAbs } from './lib-gofloat.js';
import { goQuote, numberText, regoText } from './lib-term.js';

type Arg =
  | { k: 'int'; v: bigint }
  | { k: 'big'; v: bigint }
  | { k: 'float'; v: number }
  | { k: 'string'; v: string };

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const MAX_FLOAT = 1.7976931348623157e308;
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Converts a Rego value to the Go operand OPA passes to fmt. */
export function toGoArg(v: Value): Arg {
  if (typeof v === 'bigint') {
    if (v >= INT64_MIN && v <= INT64_MAX) return { k: 'int', v };
    // OPA keeps a literal like 2e308 as text; neither big.Int nor float64 parse it.
    const text = numberText(v);
    return /e/.test(text) ? { k: 'string', v: text } : { k: 'big', v };
  }
  if (v instanceof Dec) {
    const f = Number(formatNumber(v));
    if (Number.isFinite(f) && Math.abs(f) <= MAX_FLOAT) return { k: 'float', v: f };
    return { k: 'string', v: formatNumber(v) };
  }
  if (typeof v === 'string') return { k: 'string', v };
  return { k: 'string', v: regoText(v) };
}

interface Spec {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  wid: number;
  prec: number;
}

function typeOf(a: Arg): string {
  return a.k === 'int' ? 'int' : a.k === 'big' ? '*big.Int' : a.k === 'float' ? 'float64' : 'string';
}

function runeLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, f: Spec, zeroOk: boolean): string {
  const n = runeLen(s);
  if (f.wid < 0 || n >= f.wid) return s;
  const fill = f.wid - n;
  if (f.minus) return s + ' '.repeat(fill);
  if (f.zero && zeroOk) {
    // Zeros go after the sign.
    const m = /^[+\- ]/.exec(s);
    if (m !== null) return m[0] + '0'.repeat(fill) + s.slice(1);
    return '0'.repeat(fill) + s;
  }
  return ' '.repeat(fill) + s;
}

function fmtInteger(v: bigint, verb: string, f: Spec): string | undefined {
  const neg = v < 0n;
  const a = neg ? -v : v;
  let digits: string;
  switch (verb) {
    case 'd':
    case 'v':
      digits = a.toString(10);
      break;
    case 'b':
      digits = a.toString(2);
      break;
    case 'o':
    case 'O':
      digits = a.toString(8);
      break;
    case 'x':
      digits = a.toString(16);
      break;
    case 'X':
      digits = a.toString(16).toUpperCase();
      break;
    default:
      return undefined;
  }
  if (f.prec >= 0) {
    if (f.prec === 0 && v === 0n) digits = '';
    else if (digits.length < f.prec) digits = '0'.repeat(f.prec - digits.length) + digits;
  } else if (f.zero && !f.minus && f.wid > 0) {
    // Zero padding is applied to the digits, leaving room for sign and prefix.
    let room = f.wid;
    if (neg || f.plus || f.space) room--;
    if (f.sharp && (verb === 'x' || verb === 'X' || verb === 'b')) room -= 2;
    if (verb === 'O') room -= 2;
    if (digits.length < room) digits = '0'.repeat(room - digits.length) + digits;
  }
  let prefix = '';
  if (verb === 'O') prefix = '0o';
  else if (f.sharp) {
    if (verb === 'x') prefix = '0x';
    else if (verb === 'X') prefix = '0X';
    else if (verb === 'b') prefix = '0b';
    else if (verb === 'o' && digits[0] !== '0') prefix = '0';
  }
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(sign + prefix + digits, { ...f, zero: false }, false);
}

function fmtFloat(v: number, verb: string, f: Spec): string | undefined {
  let text: string;
  switch (verb) {
    case 'v':
    case 'g':
    case 'G':
      text = formatFloatAbs(Math.abs(v), verb === 'v' ? 'g' : verb, f.prec);
      if (f.sharp) text = sharpG(text, f.prec < 0 ? 6 : f.prec === 0 ? 1 : f.prec);
      break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
      text = formatFloatAbs(Math.abs(v), verb === 'F' ? 'f' : verb, f.prec < 0 ? 6 : f.prec);
      if (f.sharp && !text.includes('.')) text = text.replace(/^(\d+)/, '$1.');
      break;
    case 'b':
      text = floatBinary(Math.abs(v));
      break;
    case 'x':
    case 'X':
      if (f.prec >= 0) return undefined;
      text = floatHex(Math.abs(v), verb === 'X');
      if (f.sharp) {
        // Go counts the 'x' and every mantissa digit towards the 6 significant digits.
        const [mant, exp] = text.split(/(?=[pP])/) as [string, string];
        const counted = mant.replace('.', '').length - 1;
        text = `${mant.includes('.') ? mant : `${mant}.`}${'0'.repeat(Math.max(0, 6 - counted))}${exp}`;
      }
      break;
    default:
      return undefined;
  }
  const neg = v < 0 || Object.is(v, -0);
  const sign = neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(sign + text, f, true);
}

/** %#g: keep `digits` significant digits (trailing zeros) and always a decimal point. */
function sharpG(text: string, digits: number): string {
  const m = /^(\d+)(?:\.(\d*))?([eE].*)?$/.exec(text);
  if (m === null) return text;
  const int = m[1]!;
  const frac = m[2] ?? '';
  const sig = (int + frac).replace(/^0+/, '').length || 1;
  return `${int}.${frac}${'0'.repeat(Math.max(0, digits - sig))}${m[3] ?? ''}`;
}

const F64 = new DataView(new ArrayBuffer(8));

function floatParts(x: number): [bigint, number] {
  F64.setFloat64(0, x);
  const bits = F64.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  const m = bits & ((1n << 52n) - 1n);
  return e === 0 ? [m, -1074] : [m | (1n << 52n), e - 1075];
}

/** %b of a float64: decimal mantissa, 'p', binary exponent. */
function floatBinary(x: number): string {
  const [m, e] = floatParts(x);
  return `${m}p${e < 0 ? '-' : '+'}${Math.abs(e)}`;
}

/** %x of a float64: 0x1.hhhp±dd with trailing zeros removed. */
function floatHex(x: number, upper: boolean): string {
  let out: string;
  if (x === 0) out = '0x0p+00';
  else {
    let [m, e] = floatParts(x);
    while (m < 1n << 52n) {
      m <<= 1n;
      e--;
    }
    e += 52;
    const frac = (m & ((1n << 52n) - 1n)).toString(16).padStart(13, '0').replace(/0+$/, '');
    const a = Math.abs(e);
    out = `0x1${frac === '' ? '' : `.${frac}`}p${e < 0 ? '-' : '+'}${a < 10 ? `0${a}` : a}`;
  }
  return upper ? out.toUpperCase() : out;
}

function fmtString(s: string, verb: string, f: Spec): string | undefined {
  switch (verb) {
    case 'v':
    case 's': {
      if (f.prec >= 0) s = [...s].slice(0, f.prec).join('');
      return pad(s, f, true);
    }
    case 'x':
    case 'X': {
      let bytes = [...Buffer.from(s, 'utf8')];
      if (f.prec >= 0) bytes = bytes.slice(0, f.prec);
      const hex = bytes.map((b) => {
        const h = b.toString(16).padStart(2, '0');
        return verb === 'X' ? h.toUpperCase() : h;
      });
      if (bytes.length === 0) return pad('', f, true);
      const pre = f.sharp ? (verb === 'X' ? '0X' : '0x') : '';
      const out = f.space ? hex.map((h) => pre + h).join(' ') : pre + hex.join('');
      return pad(out, f, true);
    }
    case 'q':
      if (f.sharp && !s.includes('`') && !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(s)) {
        return pad(`\`${s}\``, f, true);
      }
      return pad(goQuote(s, f.plus), f, true);
    default:
      return undefined;
  }
}

function fmtBig(v: bigint, verb: string, f: Spec): string {
  const out = verb === 'O' ? undefined : fmtInteger(v, verb === 's' ? 'd' : verb, f);
  return out ?? `%!${verb}(big.Int=${v.toString()})`;
}

function fmtChar(v: bigint, verb: string, f: Spec): string | undefined {
  const cp = v < 0n || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn) ? 0xfffd : Number(v);
  if (verb === 'c') return pad(String.fromCodePoint(cp), f, true);
  if (verb === 'q') return pad(goQuote(String.fromCodePoint(cp), f.plus, "'"), f, true);
  if (verb === 'U') {
    // Go formats the operand as uint64, and adds the character only when it is printable.
    const u = BigInt.asUintN(64, v);
    let out = `U+${u.toString(16).toUpperCase().padStart(4, '0')}`;
    if (f.sharp && u <= 0x10ffffn && PRINTABLE.test(String.fromCodePoint(Number(u)))) {
      out += ` '${String.fromCodePoint(Number(u))}'`;
    }
    return pad(out, f, true);
  }
  return undefined;
}

/** Formats one operand with one verb; the `%!verb(type=value)` notation for a bad verb. */
function formatArg(a: Arg, verb: string, f: Spec): string {
  let out: string | undefined;
  switch (a.k) {
    case 'int':
      out = fmtInteger(a.v, verb, f) ?? fmtChar(a.v, verb, f);
      break;
    case 'big':
      return fmtBig(a.v, verb, f);
    case 'float':
      out = fmtFloat(a.v, verb, f);
      break;
    case 'string':
      out = fmtString(a.v, verb, f);
      break;
  }
  if (verb === 'T') return pad(typeOf(a), f, true);
  if (out !== undefined) return out;
  // Go prints the operand with %v and the same flags inside the bad-verb notation.
  return `%!${verb}(${typeOf(a)}=${formatArg(a, 'v', f)})`;
}

function plainV(a: Arg): string {
  const f: Spec = { plus: false, minus: false, sharp: false, space: false, zero: false, wid: -1, prec: -1 };
  if (a.k === 'big') return a.v.toString();
  return formatArg(a, 'v', f);
}

/** Longest output built before giving up (each verb may pad up to ten million characters). */
export const MAX_SPRINTF_OUTPUT = 64 * 1024 * 1024;

/** Go's limit on widths and precisions (fmt's tooLarge), which also bounds padding output. */
const MAX_WIDTH = 1_000_000n;

function tooLarge(digits: string): boolean {
  // Go's parsenum gives up when the running value already exceeds 1e6 and another digit follows.
  let num = 0n;
  for (const d of digits) {
    if (num > MAX_WIDTH) return true;
    num = num * 10n + BigInt(d);
  }
  return false;
}

/** Go's fmt.Sprintf(format, args...). */
export function goSprintf(format: string, args: readonly Arg[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  const n = format.length;
  let i = 0;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Spec = { plus: false, minus: false, sharp: false, space: false, zero: false, wid: -1, prec: -1 };
    flags: for (; i < n; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }
    let goodArgNum = true;
    const argIndex = (): void => {
      if (format[i] !== '[') return;
      reordered = true;
      const close = format.indexOf(']', i);
      const idx = close < 0 ? Number.NaN : Number(format.slice(i + 1, close));
      if (close < 0 || !/^\d+$/.test(format.slice(i + 1, close)) || idx < 1 || idx > args.length) {
        goodArgNum = false;
        i = close < 0 ? n : close + 1;
        return;
      }
      argNum = idx - 1;
      i = close + 1;
    };
    argIndex();
    if (format[i] === '*') {
      i++;
      const a = args[argNum];
      argNum++;
      if (a === undefined || a.k !== 'int' || a.v > MAX_WIDTH || a.v < -MAX_WIDTH) out += '%!(BADWIDTH)';
      else {
        f.wid = Number(a.v);
        if (f.wid < 0) {
          f.minus = true;
          f.zero = false;
          f.wid = -f.wid;
        }
      }
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m !== null) {
        f.wid = Number(m[0]);
        i += m[0].length;
        // Go gives up on absurd widths and swallows the rest of the format.
        if (tooLarge(m[0])) i = n;
      }
    }
    if (format[i] === '.') {
      i++;
      argIndex();
      if (format[i] === '*') {
        i++;
        const a = args[argNum];
        argNum++;
        if (a === undefined || a.k !== 'int' || a.v < 0n || a.v > MAX_WIDTH) out += '%!(BADPREC)';
        else f.prec = Number(a.v);
      } else {
        const m = /^\d+/.exec(format.slice(i));
        f.prec = m === null ? 0 : Number(m[0]);
        if (m !== null) i += m[0].length;
        if (m !== null && tooLarge(m[0])) i = n;
      }
    }
    argIndex();
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    const a = args[argNum];
    if (a === undefined) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    argNum++;
    out += formatArg(a, verb, f);
    if (out.length > MAX_SPRINTF_OUTPUT)
      throw builtinErr('sprintf', `result exceeds ${MAX_SPRINTF_OUTPUT} characters`);
  }
  if (!reordered && argNum < args.length) {
    out += `%!(EXTRA ${args
      .slice(argNum)
      .map((a) => `${typeOf(a)}=${plainV(a)}`)
      .join(', ')})`;
  }
  return out;
}
