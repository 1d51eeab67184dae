import { parse } from 'yaml';
import { fromJs, ObjectV, type Value } from '../value/index.js';
import { type Loc, PolicyError } from './errors.js';

/** Scopes an annotation block may declare (OPA's METADATA). */
export type AnnotationScope = 'package' | 'subpackages' | 'rule' | 'document';

const SCOPES = new Set<string>(['package', 'subpackages', 'rule', 'document']);

function author(a: unknown): unknown {
  if (typeof a !== 'string') return a;
  // "Jane Doe <jane@example.com>" → {name, email}, as OPA normalises authors.
  const m = /^(.*?)\s*<([^>]*)>\s*$/.exec(a);
  if (m === null) return { name: a.trim() };
  return m[1] === '' ? { email: m[2] } : { name: m[1], email: m[2] };
}

/** Parses a `# METADATA` block (YAML) into OPA's annotation object, with its scope set. */
export function parseAnnotations(yamlText: string, defaultScope: AnnotationScope, loc: Loc): ObjectV {
  let doc: unknown;
  try {
    doc = parse(yamlText, { intAsBigInt: true }) ?? {};
  } catch (err) {
    throw new PolicyError('rego_parse_error', `invalid METADATA block: ${(err as Error).message}`, loc);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new PolicyError('rego_parse_error', 'METADATA block must be a YAML mapping', loc);
  }
  const o = { ...(doc as Record<string, unknown>) };
  const scope = o.scope ?? defaultScope;
  if (typeof scope !== 'string' || !SCOPES.has(scope)) {
    throw new PolicyError('rego_parse_error', `invalid annotation scope ${JSON.stringify(scope)}`, loc);
  }
  o.scope = scope;
  if (Array.isArray(o.authors)) o.authors = o.authors.map(author);
  else if (typeof o.authors === 'string') o.authors = [author(o.authors)];
  const v = fromJs(o);
  return v instanceof ObjectV ? v : new ObjectV();
}

/** The scope of an annotation object. */
export function scopeOf(a: Value): string | undefined {
  const s = a instanceof ObjectV ? a.getStr('scope') : undefined;
  return typeof s === 'string' ? s : undefined;
}
