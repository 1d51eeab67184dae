/**
 * Go's byte codecs where Node's differ: base64 decoding is strict about alphabet and padding
 * (Go's StdEncoding/URLEncoding, reporting the offending input byte), hex decoding reports the
 * first invalid byte, and net/url's query escaping.
 */

/** A decoding failure with Go's message. */
export class CodecError extends Error {}

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function table(alpha: string): Int16Array {
  const t = new Int16Array(256).fill(-1);
  for (let i = 0; i < alpha.length; i++) t[alpha.charCodeAt(i)] = i;
  return t;
}
const STD_T = table(STD);
const URL_T = table(URL);

function corrupt(i: number): CodecError {
  return new CodecError(`illegal base64 data at input byte ${i}`);
}

/** base64.StdEncoding / URLEncoding DecodeString (padding required, CR and LF ignored). */
export function goBase64Decode(s: string, url: boolean): Buffer {
  const src = Buffer.from(s, 'utf8');
  const t = url ? URL_T : STD_T;
  const out: number[] = [];
  let si = 0;
  const n = src.length;
  const skipNl = () => {
    while (si < n && (src[si] === 0x0a || src[si] === 0x0d)) si++;
  };
  for (;;) {
    const d = [0, 0, 0, 0];
    let j = 0;
    let dlen = 4;
    let padded = false;
    while (j < 4) {
      if (si === n) {
        if (j === 0) return Buffer.from(out);
        throw corrupt(si - j);
      }
      const c = src[si]!;
      si++;
      if (c === 0x0a || c === 0x0d) continue;
      if (c === 0x3d) {
        if (j < 2) throw corrupt(si - 1);
        if (j === 2) {
          skipNl();
          if (si === n) throw corrupt(n);
          if (src[si] !== 0x3d) throw corrupt(si - 1);
          si++;
        }
        skipNl();
        if (si < n) throw corrupt(si);
        dlen = j;
        padded = true;
        break;
      }
      const v = t[c]!;
      if (v < 0) throw corrupt(si - 1);
      d[j++] = v;
    }
    const val = (d[0]! << 18) | (d[1]! << 12) | (d[2]! << 6) | d[3]!;
    out.push((val >> 16) & 0xff);
    if (dlen >= 3) out.push((val >> 8) & 0xff);
    if (dlen >= 4) out.push(val & 0xff);
    if (padded) return Buffer.from(out);
  }
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function invalidByte(b: number): CodecError {
  const ch = String.fromCodePoint(b);
  const u = `U+${b.toString(16).toUpperCase().padStart(4, '0')}`;
  // Go's %#U adds the character when it is printable (bytes read as Latin-1 runes).
  const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch);
  return new CodecError(`encoding/hex: invalid byte: ${u}${printable ? ` '${ch}'` : ''}`);
}

/** hex.DecodeString. */
export function goHexDecode(s: string): Buffer {
  const src = Buffer.from(s, 'utf8');
  const out = Buffer.alloc(src.length >> 1);
  let i = 0;
  for (; i + 1 < src.length; i += 2) {
    const a = hexVal(src[i]!);
    if (a < 0) throw invalidByte(src[i]!);
    const b = hexVal(src[i + 1]!);
    if (b < 0) throw invalidByte(src[i + 1]!);
    out[i >> 1] = (a << 4) | b;
  }
  if (src.length % 2 === 1) {
    if (hexVal(src[i]!) < 0) throw invalidByte(src[i]!);
    throw new CodecError('encoding/hex: odd length hex string');
  }
  return out;
}

/** url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    if (
      (b >= 0x30 && b <= 0x39) ||
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      b === 0x2d ||
      b === 0x5f ||
      b === 0x2e ||
      b === 0x7e
    ) {
      out += String.fromCharCode(b);
    } else if (b === 0x20) out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** url.QueryUnescape. */
export function queryUnescape(s: string): string {
  const src = Buffer.from(s, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 0x25) {
      const a = i + 1 < src.length ? hexVal(src[i + 1]!) : -1;
      const b = i + 2 < src.length ? hexVal(src[i + 2]!) : -1;
      if (a < 0 || b < 0) {
        const bad = src.subarray(i, Math.min(i + 3, src.length)).toString('utf8');
        throw new CodecError(`invalid URL escape ${JSON.stringify(bad)}`);
      }
      out.push((a << 4) | b);
      i += 2;
    } else out.push(c === 0x2b ? 0x20 : c);
  }
  return Buffer.from(out).toString('utf8');
}

/** url.ParseQuery: keys in first-seen order with all their values; the first error wins. */
export function parseQuery(q: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  let err: CodecError | null = null;
  for (const part of q.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) {
      err ??= new CodecError('invalid semicolon separator in query');
      continue;
    }
    const eq = part.indexOf('=');
    const rk = eq < 0 ? part : part.slice(0, eq);
    const rv = eq < 0 ? '' : part.slice(eq + 1);
    let k: string;
    let v: string;
    try {
      k = queryUnescape(rk);
      v = queryUnescape(rv);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      err ??= e;
      continue;
    }
    const list = m.get(k);
    if (list === undefined) m.set(k, [v]);
    else list.push(v);
  }
  if (err !== null) throw err;
  return m;
}
