import { Dec, formatNumber, type ObjectV, SetV, type Value } from '../value/index.js';

/** Formats a value as `print` shows it: strings raw, everything else in Rego syntax. */
export function formatPrintValue(v: Value): string {
  return typeof v === 'string' ? v : regoText(v);
}

// Values are immutable and Kata policies print the same documents (the whole request, policy
// containers) many times per decision: remember each composite's text.
const texts = new WeakMap<object, string>();

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
  const hit = texts.get(v);
  if (hit !== undefined) return hit;
  let text: string;
  if (Array.isArray(v)) text = `[${v.map(regoText).join(', ')}]`;
  else if (v instanceof SetV) text = v.size === 0 ? 'set()' : `{${v.values().map(regoText).join(', ')}}`;
  else {
    text = `{${(v as ObjectV)
      .entries()
      .map(([k, x]) => `${regoText(k)}: ${regoText(x)}`)
      .join(', ')}}`;
  }
  texts.set(v, text);
  return text;
}
