/**
 * JSON Schema (drafts 4, 6 and 7) for `json.verify_schema` and `json.match_schema`, following
 * the gojsonschema fork OPA embeds: the same keyword set, evaluation order, error types and
 * English messages, and fields as dotted paths from "(root)". Only local `$ref`s (JSON pointers
 * into the schema itself) resolve: a schema from a policy or input must not make the engine
 * fetch anything.
 */
import { canonical, compare, Dec, formatNumber, ObjectV, SetV, type Value } from '../value/index.js';
import { goJson } from './lib-gojson.js';
import { runRegex } from './lib-guard.js';
import {
  checkSchema,
  MAX_REF_DEPTH,
  num,
  pointer,
  re,
  type Sch,
  SchemaError,
} from './lib-jsonschema-check.js';
import type { BuiltinContext } from './registry.js';

export { SchemaError };

/** One validation failure, as OPA reports it. */
export interface SchemaViolation {
  readonly field: string;
  readonly type: string;
  readonly desc: string;
}
interface Ctx {
  root: Sch;
  bctx: BuiltinContext | null;
  errors: SchemaViolation[];
  score: number;
  depth: number;
}
function text(n: bigint | Dec): string {
  // big.Float.String(): %g with 10 significant digits.
  const f = Number(formatNumber(n));
  return Number.isInteger(f) && Math.abs(f) < 1e21 ? String(f) : String(Number(f.toPrecision(10)));
}

function cmp(a: bigint | Dec, b: bigint | Dec): number {
  return compare(a, b);
}

function kind(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'bigint') return 'integer';
  if (v instanceof Dec) return 'number';
  if (Array.isArray(v) || v instanceof SetV) return 'array';
  return 'object';
}

function fieldOf(path: readonly string[]): string {
  return path.length === 0 ? '(root)' : path.join('.');
}
function test(p: string, s: string, bctx: BuiltinContext | null = null): boolean {
  const r = re(p);
  return runRegex('json.match_schema', r, s, bctx, () => {
    r.re.lastIndex = 0;
    return r.re.test(s);
  });
}

function types(s: ObjectV): string[] | null {
  const t = s.getStr('type');
  if (t === undefined) return null;
  return typeof t === 'string' ? [t] : (t as readonly Value[]).map(String);
}

function typesText(ts: readonly string[]): string {
  return ts.length === 1 ? ts[0]! : `[${ts.join(' ')}]`;
}
function add(ctx: Ctx, path: readonly string[], type: string, desc: string): void {
  ctx.errors.push({ field: fieldOf(path), type, desc });
}

function sub(ctx: Ctx, s: Sch, v: Value, path: readonly string[]): Ctx {
  const c: Ctx = { root: ctx.root, bctx: ctx.bctx, errors: [], score: 0, depth: ctx.depth + 1 };
  validate(c, s, v, path);
  return c;
}

function merge(into: Ctx, from: Ctx): void {
  into.errors.push(...from.errors);
  into.score += from.score;
}

/** Validates `v` against schema `s`, collecting gojsonschema's errors into `ctx`. */
function validate(ctx: Ctx, s: Sch, v: Value, path: readonly string[]): void {
  if (ctx.depth > MAX_REF_DEPTH * 4) throw new SchemaError('schema recursion too deep');
  if (typeof s === 'boolean') {
    if (!s) add(ctx, path, 'false', 'False always fails validation');
    return;
  }
  const ref = s.getStr('$ref');
  if (typeof ref === 'string') {
    ctx.depth++;
    validate(ctx, pointer(ctx.root, ref), v, path);
    ctx.depth--;
    return;
  }
  const ts = types(s);
  const k = kind(v);
  if (ts !== null && !ts.includes(k) && !(k === 'integer' && ts.includes('number'))) {
    add(ctx, path, 'invalid_type', `Invalid type. Expected: ${typesText(ts)}, given: ${k}`);
    return;
  }
  validateSchema(ctx, s, v, path);
  if (k === 'integer' || k === 'number') validateNumber(ctx, s, v as bigint | Dec, path);
  if (k === 'array') validateArray(ctx, s, Array.isArray(v) ? v : (v as SetV).values(), path);
  if (k === 'object') validateObject(ctx, s, v as ObjectV, path);
  validateCommon(ctx, s, v, path);
  if (k === 'string') validateString(ctx, s, v as string, path);
  if (k === 'object') {
    const props = s.getStr('properties');
    if (props instanceof ObjectV) {
      for (const [pk, ps] of props.entries()) {
        const x = (v as ObjectV).get(pk);
        if (x !== undefined) validate(ctx, ps as Sch, x, [...path, String(pk)]);
      }
    }
  }
  ctx.score++;
}

function best(results: Ctx[]): Ctx | undefined {
  let b: Ctx | undefined;
  for (const r of results) if (b === undefined || r.score > b.score) b = r;
  return b;
}

function validateSchema(ctx: Ctx, s: ObjectV, v: Value, path: readonly string[]): void {
  const anyOf = s.getStr('anyOf') as readonly Sch[] | undefined;
  if (anyOf !== undefined) {
    const failed: Ctx[] = [];
    let ok = false;
    for (const x of anyOf) {
      const r = sub(ctx, x, v, path);
      if (r.errors.length === 0) {
        ok = true;
        break;
      }
      failed.push(r);
    }
    if (!ok) {
      add(ctx, path, 'number_any_of', 'Must validate at least one schema (anyOf)');
      const b = best(failed);
      if (b !== undefined) merge(ctx, b);
    }
  }
  const oneOf = s.getStr('oneOf') as readonly Sch[] | undefined;
  if (oneOf !== undefined) {
    const rs = oneOf.map((x) => sub(ctx, x, v, path));
    const ok = rs.filter((r) => r.errors.length === 0).length;
    if (ok !== 1) {
      add(ctx, path, 'number_one_of', 'Must validate one and only one schema (oneOf)');
      if (ok === 0) {
        const b = best(rs);
        if (b !== undefined) merge(ctx, b);
      }
    }
  }
  const allOf = s.getStr('allOf') as readonly Sch[] | undefined;
  if (allOf !== undefined) {
    let ok = 0;
    for (const x of allOf) {
      const r = sub(ctx, x, v, path);
      if (r.errors.length === 0) ok++;
      merge(ctx, r);
    }
    if (ok !== allOf.length) add(ctx, path, 'number_all_of', 'Must validate all the schemas (allOf)');
  }
  const not = s.getStr('not') as Sch | undefined;
  if (not !== undefined && sub(ctx, not, v, path).errors.length === 0) {
    add(ctx, path, 'number_not', 'Must not validate the schema (not)');
  }
  const deps = s.getStr('dependencies');
  if (deps instanceof ObjectV && v instanceof ObjectV) {
    for (const [key] of v.entries()) {
      const d = deps.get(key);
      if (d === undefined) continue;
      if (Array.isArray(d)) {
        for (const dk of d)
          if (!v.has(dk)) add(ctx, path, 'missing_dependency', `Has a dependency on ${String(dk)}`);
      } else validate(ctx, d as Sch, v, path);
    }
  }
  const cond = s.getStr('if') as Sch | undefined;
  if (cond !== undefined) {
    const ok = sub(ctx, cond, v, path).errors.length === 0;
    const branch = (ok ? s.getStr('then') : s.getStr('else')) as Sch | undefined;
    if (branch !== undefined) {
      const r = sub(ctx, branch, v, path);
      if (r.errors.length > 0) {
        if (ok) add(ctx, path, 'condition_then', 'Must validate "then" as "if" was valid');
        else add(ctx, path, 'condition_else', 'Must validate "else" as "if" was not valid');
        merge(ctx, r);
      }
    }
  }
}

function validateCommon(ctx: Ctx, s: ObjectV, v: Value, path: readonly string[]): void {
  const field = fieldOf(path);
  const c = s.getStr('const');
  if (c !== undefined && canonical(c) !== canonical(v)) {
    add(ctx, path, 'const', `${field} does not match: ${goJson(c)}`);
  }
  const en = s.getStr('enum');
  if (Array.isArray(en) && !en.some((x) => canonical(x) === canonical(v))) {
    const allowed = en.length === 0 ? '(none)' : en.map((x) => goJson(x)).join(', ');
    add(ctx, path, 'enum', `${field} must be one of the following: ${allowed}`);
  }
  const fmt = s.getStr('format');
  if (typeof fmt === 'string' && !checkFormat(fmt, v))
    add(ctx, path, 'format', `Does not match format '${fmt}'`);
}

function validateNumber(ctx: Ctx, s: ObjectV, n: bigint | Dec, path: readonly string[]): void {
  const mo = num(s.getStr('multipleOf') ?? null);
  if (mo !== undefined && !isMultiple(n, mo))
    add(ctx, path, 'multiple_of', `Must be a multiple of ${text(mo)}`);
  const draft4 =
    typeof s.getStr('exclusiveMaximum') === 'boolean' || typeof s.getStr('exclusiveMinimum') === 'boolean';
  const max = num(s.getStr('maximum') ?? null);
  const min = num(s.getStr('minimum') ?? null);
  const exMax = draft4
    ? s.getStr('exclusiveMaximum') === true
      ? max
      : undefined
    : num(s.getStr('exclusiveMaximum') ?? null);
  const exMin = draft4
    ? s.getStr('exclusiveMinimum') === true
      ? min
      : undefined
    : num(s.getStr('exclusiveMinimum') ?? null);
  if (max !== undefined && !(draft4 && exMax !== undefined) && cmp(n, max) > 0) {
    add(ctx, path, 'number_lte', `Must be less than or equal to ${text(max)}`);
  }
  if (exMax !== undefined && cmp(n, exMax) >= 0)
    add(ctx, path, 'number_lt', `Must be less than ${text(exMax)}`);
  if (min !== undefined && !(draft4 && exMin !== undefined) && cmp(n, min) < 0) {
    add(ctx, path, 'number_gte', `Must be greater than or equal to ${text(min)}`);
  }
  if (exMin !== undefined && cmp(n, exMin) <= 0)
    add(ctx, path, 'number_gt', `Must be greater than ${text(exMin)}`);
}

function isMultiple(n: bigint | Dec, m: bigint | Dec): boolean {
  const [nm, ns] = typeof n === 'bigint' ? [n, 0] : [n.m, n.s];
  const [mm, ms] = typeof m === 'bigint' ? [m, 0] : [m.m, m.s];
  const s = Math.max(ns, ms);
  const a = nm * 10n ** BigInt(s - ns);
  const b = mm * 10n ** BigInt(s - ms);
  return a % b === 0n;
}

function validateString(ctx: Ctx, s: ObjectV, v: string, path: readonly string[]): void {
  const len = [...v].length;
  const min = s.getStr('minLength');
  if (typeof min === 'bigint' && BigInt(len) < min) {
    add(ctx, path, 'string_gte', `String length must be greater than or equal to ${min}`);
  }
  const max = s.getStr('maxLength');
  if (typeof max === 'bigint' && BigInt(len) > max) {
    add(ctx, path, 'string_lte', `String length must be less than or equal to ${max}`);
  }
  const pat = s.getStr('pattern');
  if (typeof pat === 'string' && !test(pat, v, ctx.bctx))
    add(ctx, path, 'pattern', `Does not match pattern '${pat}'`);
}

function validateArray(ctx: Ctx, s: ObjectV, v: readonly Value[], path: readonly string[]): void {
  const items = s.getStr('items');
  if (typeof items === 'boolean' || items instanceof ObjectV) {
    for (let i = 0; i < v.length; i++) merge(ctx, sub(ctx, items, v[i]!, [...path, String(i)]));
  } else if (Array.isArray(items)) {
    for (let i = 0; i < items.length && i < v.length; i++)
      merge(ctx, sub(ctx, items[i] as Sch, v[i]!, [...path, String(i)]));
    const extra = s.getStr('additionalItems');
    if (items.length < v.length) {
      if (extra === false)
        add(ctx, path, 'array_no_additional_items', 'No additional items allowed on array');
      else if (extra instanceof ObjectV) {
        for (let i = items.length; i < v.length; i++)
          merge(ctx, sub(ctx, extra, v[i]!, [...path, String(i)]));
      }
    }
  }
  const min = s.getStr('minItems');
  if (typeof min === 'bigint' && BigInt(v.length) < min)
    add(ctx, path, 'array_min_items', `Array must have at least ${min} items`);
  const max = s.getStr('maxItems');
  if (typeof max === 'bigint' && BigInt(v.length) > max)
    add(ctx, path, 'array_max_items', `Array must have at most ${max} items`);
  if (s.getStr('uniqueItems') === true) {
    const seen = new Map<string, number>();
    v.forEach((x, j) => {
      const key = canonical(x);
      const i = seen.get(key);
      if (i !== undefined) add(ctx, path, 'unique', `array items[${i},${j}] must be unique`);
      seen.set(key, j);
    });
  }
  const contains = s.getStr('contains') as Sch | undefined;
  if (contains !== undefined) {
    const rs: Ctx[] = [];
    let ok = false;
    for (let i = 0; i < v.length && !ok; i++) {
      const r = sub(ctx, contains, v[i]!, [...path, String(i)]);
      if (r.errors.length === 0) ok = true;
      else rs.push(r);
    }
    if (!ok) {
      add(ctx, path, 'contains', 'At least one of the items must match');
      const b = best(rs);
      if (b !== undefined) merge(ctx, b);
    }
  }
}

function validateObject(ctx: Ctx, s: ObjectV, v: ObjectV, path: readonly string[]): void {
  const min = s.getStr('minProperties');
  if (typeof min === 'bigint' && BigInt(v.size) < min) {
    add(ctx, path, 'array_min_properties', `Must have at least ${min} properties`);
  }
  const max = s.getStr('maxProperties');
  if (typeof max === 'bigint' && BigInt(v.size) > max) {
    add(ctx, path, 'array_max_properties', `Must have at most ${max} properties`);
  }
  const req = s.getStr('required');
  if (Array.isArray(req))
    for (const r of req) if (!v.has(r)) add(ctx, path, 'required', `${String(r)} is required`);
  const props = s.getStr('properties');
  const pats = s.getStr('patternProperties');
  const extra = s.getStr('additionalProperties');
  for (const [pk, x] of v.entries()) {
    const key = typeof pk === 'string' ? pk : String(pk);
    const found = props instanceof ObjectV && props.has(key);
    let matched = false;
    if (pats instanceof ObjectV) {
      for (const [pp, ps] of pats.entries()) {
        if (test(String(pp), key, ctx.bctx)) {
          matched = true;
          merge(ctx, sub(ctx, ps as Sch, x, [...path, key]));
        }
      }
    }
    if (!found && !matched) {
      if (extra === false)
        add(ctx, path, 'additional_property_not_allowed', `Additional property ${key} is not allowed`);
      else if (extra instanceof ObjectV) merge(ctx, sub(ctx, extra, x, [...path, key]));
    }
  }
  const names = s.getStr('propertyNames') as Sch | undefined;
  if (names !== undefined) {
    for (const [pk] of v.entries()) {
      const r = sub(ctx, names, pk, path);
      if (r.errors.length > 0) {
        add(ctx, path, 'invalid_property_name', `Property name of "${String(pk)}" does not match`);
        merge(ctx, r);
      }
    }
  }
}

const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  time: /^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  email: /^[^@\s]+@[^@\s]+$/,
  hostname:
    /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/,
  ipv4: /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  uri: /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/,
};

function checkFormat(fmt: string, v: Value): boolean {
  if (typeof v !== 'string') return true;
  if (fmt === 'regex') {
    try {
      re(v);
      return true;
    } catch {
      return false;
    }
  }
  if (fmt === 'ipv6') return v.includes(':') && /^[0-9A-Fa-f:.]+$/.test(v);
  const r = FORMATS[fmt];
  return r === undefined || r.test(v);
}

/** Compiles (checks) a schema and validates a document against it. */
export function matchSchema(
  doc: Value,
  schema: Value,
  bctx: BuiltinContext | null = null,
): SchemaViolation[] {
  checkSchema(schema);
  const ctx: Ctx = { root: schema as Sch, bctx, errors: [], score: 0, depth: 0 };
  validate(ctx, schema as Sch, doc, []);
  return ctx.errors;
}
