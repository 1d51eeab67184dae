/**
 * Go's float64 text forms (strconv.FormatFloat 'e', 'f', 'g' and fmt's %v), computed from the
 * exact binary value so that ties round half-to-even exactly as Go does (JS toFixed rounds
 * ties up, and switches to exponent form at 1e21).
 */

/** Decimal digits and the position of the decimal point: value = 0.d1d2d3... * 10^dp. */
interface Digits {
  d: string;
  dp: number;
}

const F64 = new DataView(new ArrayBuffer(8));

/** The exact decimal expansion of a finite, non-negative double. */
function exactDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  F64.setFloat64(0, x);
  const bits = F64.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  let text: string;
  let dp: number;
  if (e2 >= 0) {
    text = (mant << BigInt(e2)).toString();
    dp = text.length;
  } else {
    // mant / 2^k == mant * 5^k / 10^k
    const k = -e2;
    text = (mant * 5n ** BigInt(k)).toString();
    dp = text.length - k;
  }
  const t = text.replace(/0+$/, '');
  const lead = t.length - t.replace(/^0+/, '').length;
  return { d: t.slice(lead), dp: dp - lead };
}

/** Shortest round-trip digits (what Go uses for precision -1). */
function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const [m, e] = x.toExponential().split('e') as [string, string];
  const d = m.replace('.', '').replace(/0+$/, '');
  return { d, dp: Number(e) + 1 };
}

/** Rounds to `n` significant digits (n >= 0), half to even on the exact expansion. */
function roundDigits(g: Digits, n: number): Digits {
  if (n < 0) return { d: '', dp: g.dp };
  if (g.d.length <= n) return g;
  let up: boolean;
  const next = g.d.charCodeAt(n) - 48;
  if (next > 5) up = true;
  else if (next < 5) up = false;
  else if (n + 1 < g.d.length) up = true;
  else up = n > 0 && (g.d.charCodeAt(n - 1) - 48) % 2 === 1;
  let head = g.d.slice(0, n);
  let dp = g.dp;
  if (up) {
    let i = head.length - 1;
    const arr = head.split('');
    while (i >= 0 && arr[i] === '9') {
      arr[i] = '0';
      i--;
    }
    if (i < 0) {
      arr.unshift('1');
      dp++;
    } else arr[i] = String.fromCharCode(arr[i]!.charCodeAt(0) + 1);
    head = arr.join('');
  }
  return { d: head.replace(/0+$/, ''), dp };
}

function digitAt(g: Digits, i: number): string {
  return i >= 0 && i < g.d.length ? g.d[i]! : '0';
}

function fmtE(g: Digits, prec: number, upper: boolean): string {
  let s = g.d === '' ? '0' : g.d[0]!;
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(g, i);
  }
  const exp = g.d === '' ? 0 : g.dp - 1;
  const a = Math.abs(exp);
  return `${s}${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${a < 10 ? `0${a}` : a}`;
}

function fmtF(g: Digits, prec: number): string {
  let s = '';
  if (g.dp > 0) for (let i = 0; i < g.dp; i++) s += digitAt(g, i);
  else s = '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) s += digitAt(g, g.dp + i);
  }
  return s;
}

/**
 * strconv.FormatFloat(x, fmt, prec, 64) for fmt in e E f F g G (prec -1 = shortest).
 * Returns the unsigned text; the caller adds the sign.
 */
export function formatFloatAbs(x: number, verb: string, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return 'Inf';
  const shortest = prec < 0;
  const lower = verb.toLowerCase();
  let g: Digits;
  if (shortest) g = shortestDigits(x);
  else {
    const ex = exactDigits(x);
    if (lower === 'e') g = roundDigits(ex, prec + 1);
    else if (lower === 'f') g = roundDigits(ex, ex.dp + prec);
    else g = roundDigits(ex, prec === 0 ? 1 : prec);
  }
  if (lower === 'e') return fmtE(g, shortest ? Math.max(g.d.length - 1, 0) : prec, verb === 'E');
  if (lower === 'f') return fmtF(g, shortest ? Math.max(g.d.length - g.dp, 0) : prec);
  // %g, as strconv: exponent form when exp < -4 or exp >= eprec.
  const nd = g.d.length;
  let p = shortest ? nd : prec === 0 ? 1 : prec;
  let eprec = p;
  if (eprec > nd && nd >= g.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = g.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (p > nd) p = nd;
    return fmtE(g, Math.max(p - 1, 0), verb === 'G');
  }
  if (p > g.dp) p = nd;
  return fmtF(g, Math.max(p - g.dp, 0));
}

/** Go's %v for a float64: %g with the shortest digits. */
export function formatFloatV(x: number): string {
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : `${x < 0 ? '-' : '+'}Inf`;
  return sign + formatFloatAbs(Math.abs(x), 'g', -1);
}
