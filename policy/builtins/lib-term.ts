/**
 * Text forms OPA's Go code produces: Go's strconv.Quote, and the Rego source text of a value
 * (ast.Term.String), which `sprintf` and friends show for composite operands.
 */
import { Dec, formatNumber, type ObjectV, SetV, type Value } from '../value/index.js';

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const MAX_FLOAT_INT = 17976931348623157n * 10n ** 292n;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** strconv.Quote (or QuoteToASCII when `ascii`), with `q` as the quote character. */
export function goQuote(s: string, ascii = false, q = '"'): string {
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') {
      out += `\\${ch}`;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      out += '\\ufffd';
      continue;
    }
    if (ascii ? c >= 0x20 && c < 0x7f : PRINTABLE.test(ch)) {
      out += ch;
      continue;
    }
    switch (c) {
      case 7:
        out += '\\a';
        break;
      case 8:
        out += '\\b';
        break;
      case 12:
        out += '\\f';
        break;
      case 10:
        out += '\\n';
        break;
      case 13:
        out += '\\r';
        break;
      case 9:
        out += '\\t';
        break;
      case 11:
        out += '\\v';
        break;
      default:
        if (c < 0x20 || c === 0x7f) out += `\\x${hex(c, 2)}`;
        else if (c < 0x10000) out += `\\u${hex(c, 4)}`;
        else out += `\\U${hex(c, 8)}`;
    }
  }
  return out + q;
}

/**
 * A number as OPA's text shows it. Integers too large for a float64 that end in zeros were
 * almost certainly written with an exponent (OPA keeps `2e308` as written), so they print that way.
 */
export function numberText(n: bigint | Dec): string {
  if (typeof n === 'bigint') {
    const a = n < 0n ? -n : n;
    if (a > MAX_FLOAT_INT && a % 10n === 0n) {
      const t = a.toString();
      const m = t.replace(/0+$/, '');
      return `${n < 0n ? '-' : ''}${m}e${t.length - m.length}`;
    }
    return n.toString();
  }
  return formatNumber(n);
}

/** The Rego text of a value, as OPA's ast.Term.String() prints it. */
export function regoText(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return numberText(v);
    case 'string':
      return goQuote(v);
  }
  if (v instanceof Dec) return numberText(v);
  if (Array.isArray(v)) return `[${v.map(regoText).join(', ')}]`;
  if (v instanceof SetV) {
    if (v.size === 0) return 'set()';
    return `{${v.values().map(regoText).join(', ')}}`;
  }
  const o = v as ObjectV;
  return `{${o
    .entries()
    .map(([k, x]) => `${regoText(k)}: ${regoText(x)}`)
    .join(', ')}}`;
}
