import { Dec, formatNumber, type ObjectV, SetV, type Value } from '../value/index.js';

/** Formats a value as `print` shows it: strings raw, everything else in Rego syntax. */
export function formatPrintValue(v: Value): string {
  return typeof v === 'string' ? v : regoText(v);
}

/** Rego literal syntax of a value (`{"a": 1}`, `{1, 2}`, `set()`), as OPA prints terms. */
export function regoText(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return String(v);
    case 'bigint':
      return v.toString();
    case 'string':
      return JSON.stringify(v);
  }
  if (v instanceof Dec) return formatNumber(v);
  if (Array.isArray(v)) return `[${v.map(regoText).join(', ')}]`;
  if (v instanceof SetV) return v.size === 0 ? 'set()' : `{${v.values().map(regoText).join(', ')}}`;
  const o = v as ObjectV;
  return `{${o
    .entries()
    .map(([k, x]) => `${regoText(k)}: ${regoText(x)}`)
    .join(', ')}}`;
}
