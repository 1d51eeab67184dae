/**
 * YAML for `yaml.*`, following sigs.k8s.io/yaml as OPA uses it: YAML 1.1 scalars (yes/no are
 * booleans), the first document only, keys turned into strings, numbers kept exact; output in
 * go-yaml's block style with sorted keys and unindented sequences.
 */
import { type Document, parseAllDocuments, stringify } from 'yaml';
import { Dec, formatNumber, fromJs, ObjectV, parseNumber, SetV, type Value } from '../value/index.js';
import { regoText } from './lib-term.js';

/** Most alias expansions accepted, so a billion-laughs document cannot blow up memory. */
export const MAX_YAML_ALIASES = 1000;

/** A YAML syntax or conversion error with a go-yaml style message. */
export class YamlError extends Error {}

function goMessage(
  doc: Document.Parsed | undefined,
  text: string,
  e: { message: string; linePos?: unknown; code?: string },
): string {
  const pos = Array.isArray(e.linePos) ? (e.linePos[0] as { line: number } | undefined) : undefined;
  const line = pos?.line ?? 1;
  let what = 'node content';
  const before = text.split('\n').slice(0, line).join('\n');
  if (/\[[^\]]*$/.test(before) || /flow sequence/i.test(e.message)) what = "',' or ']'";
  else if (/\{[^}]*$/.test(before) || /flow map/i.test(e.message)) what = "',' or '}'";
  void doc;
  return `yaml: line ${line}: did not find expected ${what}`;
}

function toValue(x: unknown): Value {
  if (x instanceof Date) return x.toISOString().replace('.000Z', 'Z');
  if (x instanceof Uint8Array) return Buffer.from(x).toString('base64');
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new YamlError(`json: unsupported value: ${x}`);
    return fromJs(x);
  }
  if (Array.isArray(x)) return x.map(toValue);
  if (x instanceof Map) {
    const o = new ObjectV();
    for (const [k, v] of x) o.set(typeof k === 'string' ? k : String(k), toValue(v));
    return o;
  }
  if (x instanceof Set) return [...x].map(toValue);
  if (x !== null && typeof x === 'object') {
    const o = new ObjectV();
    for (const [k, v] of Object.entries(x)) o.set(k, toValue(v));
    return o;
  }
  return fromJs(x);
}

/** Parses YAML text to a Rego value (null for an empty document). */
export function yamlParse(text: string): Value {
  const docs = parseAllDocuments(text, { version: '1.1', intAsBigInt: true, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) return null;
  const doc = list[0];
  if (doc === undefined) return null;
  if (doc.errors.length > 0) throw new YamlError(goMessage(doc, text, doc.errors[0]!));
  const js = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES, mapAsMap: true });
  return toValue(js);
}

function toYamlJs(v: Value): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'bigint') return v;
  if (v instanceof Dec) {
    const f = Number(formatNumber(v));
    return parseNumber(String(f)) !== undefined ? f : formatNumber(v);
  }
  if (Array.isArray(v)) return v.map(toYamlJs);
  if (v instanceof SetV) return v.values().map(toYamlJs);
  // A null-prototype object: Maps would be tagged !!omap under YAML 1.1, and '__proto__' must stay a key.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, x] of (v as ObjectV).entries()) out[typeof k === 'string' ? k : regoText(k)] = toYamlJs(x);
  return out;
}

/** Serialises a Rego value as block-style YAML. */
export function yamlStringify(v: Value): string {
  return stringify(toYamlJs(v), {
    version: '1.1',
    indentSeq: false,
    sortMapEntries: true,
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
}
