/**
 * Go's encoding/json output for Rego values (OPA converts with ast.JSON and calls json.Marshal
 * or MarshalIndent): HTML-safe escaping of < > &, U+2028/U+2029 escaped, keys sorted, sets as
 * sorted arrays, non-string object keys as their Rego text.
 */
import { Dec, type ObjectV, SetV, type Value } from '../value/index.js';
import { numberText, regoText } from './lib-term.js';

/** A Go JSON string literal. */
export function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22:
        out += '\\"';
        continue;
      case 0x5c:
        out += '\\\\';
        continue;
      case 0x0a:
        out += '\\n';
        continue;
      case 0x0d:
        out += '\\r';
        continue;
      case 0x09:
        out += '\\t';
        continue;
      case 0x08:
        out += '\\b';
        continue;
      case 0x0c:
        out += '\\f';
        continue;
    }
    if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += '\\ufffd';
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\\ufffd';
      continue;
    }
    out += s[i]!;
  }
  return `${out}"`;
}

function keyString(k: Value): string {
  return typeof k === 'string' ? k : regoText(k);
}

function members(v: ObjectV): [string, Value][] {
  const m = new Map<string, Value>();
  for (const [k, x] of v.entries()) m.set(keyString(k), x);
  // Go sorts map keys bytewise; UTF-16 order only differs around surrogates.
  return [...m].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])) as number);
}

/** json.Marshal (indent === null) or json.MarshalIndent(v, prefix, indent). */
export function goJson(v: Value, prefix: string | null = null, indent = '', depth = 0): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return numberText(v);
    case 'string':
      return goJsonString(v);
  }
  if (v instanceof Dec) return numberText(v);
  const pretty = prefix !== null;
  const nl = (d: number) => (pretty ? `\n${prefix}${indent.repeat(d)}` : '');
  if (Array.isArray(v) || v instanceof SetV) {
    const items = Array.isArray(v) ? v : v.values();
    if (items.length === 0) return '[]';
    const parts = items.map((x) => nl(depth + 1) + goJson(x, prefix, indent, depth + 1));
    return `[${parts.join(',')}${nl(depth)}]`;
  }
  const ms = members(v as ObjectV);
  if (ms.length === 0) return '{}';
  const sep = pretty ? ': ' : ':';
  const parts = ms.map(
    ([k, x]) => `${nl(depth + 1)}${goJsonString(k)}${sep}${goJson(x, prefix, indent, depth + 1)}`,
  );
  return `{${parts.join(',')}${nl(depth)}}`;
}
