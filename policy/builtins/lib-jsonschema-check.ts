/**
 * JSON Schema structure checks (what gojsonschema's parser rejects), and what validation shares
 * with them: local `$ref` resolution and compiled patterns.
 */
import { canonical, compare, Dec, ObjectV, type Value } from '../value/index.js';
import { compileRe2, type Re2 } from './lib-re2.js';

/** A schema that does not compile, with gojsonschema's message. */
export class SchemaError extends Error {}

const TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];
/** Deepest schema nesting and reference chain followed. */
export const MAX_REF_DEPTH = 64;

/** A schema: true, false or an object of keywords. */
export type Sch = boolean | ObjectV;

/** The value as a number, if it is one. */
export function num(v: Value): bigint | Dec | undefined {
  return typeof v === 'bigint' || v instanceof Dec ? v : undefined;
}

/** Resolves a local `$ref` (a JSON pointer into the root schema). */
export function pointer(root: Sch, ref: string): Sch {
  if (!ref.startsWith('#')) throw new SchemaError(`remote reference ${ref} is not allowed`);
  let cur: Value = root;
  const frag = decodeURIComponent(ref.slice(1));
  if (frag !== '' && !frag.startsWith('/')) throw new SchemaError(`Invalid JSON pointer: ${ref}`);
  for (const raw of frag === '' ? [] : frag.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur instanceof ObjectV) cur = cur.getStr(seg) ?? null;
    else if (Array.isArray(cur)) cur = cur[Number(seg)] ?? null;
    else cur = null;
    if (cur === null) throw new SchemaError(`Object has no key '${seg}'`);
  }
  if (typeof cur !== 'boolean' && !(cur instanceof ObjectV))
    throw new SchemaError(`Invalid JSON pointer: ${ref}`);
  return cur;
}
const regexCache = new Map<string, Re2>();

/** Compiles (and caches) a schema pattern. */
export function re(p: string): Re2 {
  let r = regexCache.get(p);
  if (r === undefined) {
    r = compileRe2(p);
    regexCache.set(p, r);
  }
  return r;
}
function mustBe(key: string, ok: boolean, what: string): void {
  if (!ok) throw new SchemaError(`${key} must be of ${what}`);
}

/** Checks a schema's structure, as gojsonschema's parser does, recursively. */
export function checkSchema(s: Value, root: Sch = s as Sch, depth = 0): void {
  if (depth > MAX_REF_DEPTH * 4) throw new SchemaError('schema nested too deeply');
  if (typeof s === 'boolean') return;
  if (!(s instanceof ObjectV)) throw new SchemaError('Expected: valid schema, given: Invalid JSON');
  const sub = (v: Value | undefined) => {
    if (v !== undefined) checkSchema(v, root, depth + 1);
  };
  const ref = s.getStr('$ref');
  if (ref !== undefined) {
    mustBe('$ref', typeof ref === 'string', 'a string');
    pointer(root, ref as string);
  }
  for (const k of ['definitions', '$defs', 'properties', 'patternProperties']) {
    const d = s.getStr(k);
    if (d === undefined) continue;
    mustBe(k, d instanceof ObjectV, 'an object');
    for (const [pk, v] of (d as ObjectV).entries()) {
      if (k === 'patternProperties') {
        try {
          re(String(pk));
        } catch {
          throw new SchemaError(`Invalid regex pattern '${String(pk)}'`);
        }
      }
      sub(v);
    }
  }
  const t = s.getStr('type');
  if (t !== undefined) {
    const list = typeof t === 'string' ? [t] : Array.isArray(t) ? t : null;
    if (list === null) throw new SchemaError('type must be of a string/array');
    const seen = new Set<string>();
    for (const x of list) {
      if (typeof x !== 'string' || !TYPES.includes(x)) {
        throw new SchemaError(
          `has a primitive type that is NOT VALID -- given: /${String(x)}/ Expected valid values are:[${TYPES.join(' ')}]`,
        );
      }
      if (seen.has(x)) throw new SchemaError(`${x} type is duplicated`);
      seen.add(x);
    }
  }
  for (const k of [
    'additionalProperties',
    'additionalItems',
    'propertyNames',
    'contains',
    'not',
    'if',
    'then',
    'else',
  ]) {
    const v = s.getStr(k);
    if (v === undefined) continue;
    mustBe(k, typeof v === 'boolean' || v instanceof ObjectV, 'an object');
    sub(v);
  }
  const items = s.getStr('items');
  if (items !== undefined) {
    if (Array.isArray(items)) for (const i of items) sub(i);
    else mustBe('items', typeof items === 'boolean' || items instanceof ObjectV, 'an object');
    if (!Array.isArray(items)) sub(items);
  }
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    const v = s.getStr(k);
    if (v === undefined) continue;
    mustBe(k, Array.isArray(v) && v.length > 0, 'an array');
    for (const x of v as readonly Value[]) sub(x);
  }
  for (const k of ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties']) {
    const v = s.getStr(k);
    if (v === undefined) continue;
    if (typeof v !== 'bigint') throw new SchemaError(`${k} must be of an integer`);
    if (v < 0n) throw new SchemaError(`${k} must be greater than or equal to 0`);
  }
  for (const k of ['minimum', 'maximum', 'multipleOf']) {
    const v = s.getStr(k);
    if (v !== undefined) mustBe(k, num(v) !== undefined, 'a number');
  }
  const mo = s.getStr('multipleOf');
  if (mo !== undefined && compare(mo, 0n) <= 0)
    throw new SchemaError('multipleOf must be strictly greater than 0');
  const pat = s.getStr('pattern');
  if (pat !== undefined) {
    mustBe('pattern', typeof pat === 'string', 'a string');
    try {
      re(pat as string);
    } catch {
      throw new SchemaError(`Invalid regex pattern '${String(pat)}'`);
    }
  }
  const req = s.getStr('required');
  if (req !== undefined) {
    mustBe('required', Array.isArray(req), 'an array');
    for (const x of req as readonly Value[])
      if (typeof x !== 'string') throw new SchemaError('required items must be string');
  }
  const en = s.getStr('enum');
  if (en !== undefined) {
    mustBe('enum', Array.isArray(en), 'an array');
    const keys = new Set((en as readonly Value[]).map(canonical));
    if (keys.size !== (en as readonly Value[]).length) throw new SchemaError('enum items must be unique');
  }
  const deps = s.getStr('dependencies');
  if (deps !== undefined) {
    mustBe('dependencies', deps instanceof ObjectV, 'an object');
    for (const [, v] of (deps as ObjectV).entries()) if (!Array.isArray(v)) sub(v);
  }
}
