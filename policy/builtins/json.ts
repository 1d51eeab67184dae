import { ObjectV, parseJson, SetV, type Value, ValueError } from '../value/index.js';
import { builtinErr } from './args.js';
import { goJson } from './lib-gojson.js';
import { applyPatch, PatchError, parsePointer } from './lib-jsonpatch.js';
import { matchSchema, SchemaError } from './lib-jsonschema.js';
import { arrOp, objOp, operandErr, operandTypeErr } from './lib-operand.js';
import { regoText } from './lib-term.js';
import type { BuiltinContext, BuiltinRegistry } from './registry.js';

function paths(name: string, v: Value): Value[][] {
  let items: readonly Value[];
  if (Array.isArray(v)) items = v;
  else if (v instanceof SetV) items = v.values();
  else throw operandTypeErr(name, 2, v, 'set', 'array');
  return items.map((p) => {
    const segs = parsePointer(p);
    if (segs === undefined) {
      throw operandErr(
        name,
        2,
        `must be one of {set, array} containing string paths or array of path segments but got ${typeof p === 'bigint' ? 'number' : regoTypeName(p)}`,
      );
    }
    return segs;
  });
}

function regoTypeName(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (v instanceof ObjectV) return 'object';
  if (v instanceof SetV) return 'set';
  return 'number';
}

/** OPA's pathsToObject: a tree of the paths, null at each leaf; a shorter path wins over longer ones. */
function pathTree(ps: readonly Value[][]): ObjectV {
  const root = new ObjectV();
  for (const path of ps) {
    if (path.length === 0) continue;
    let node = root;
    let done = false;
    for (let i = 0; i < path.length - 1 && !done; i++) {
      const k = path[i]!;
      const c = node.get(k);
      if (c === undefined) {
        const o = new ObjectV();
        node.set(k, o);
        node = o;
      } else if (c === null) done = true;
      else node = c as ObjectV;
    }
    if (!done) node.set(path[path.length - 1]!, null);
  }
  return root;
}

function filterValue(v: Value, f: Value): Value {
  if (f === null) return v;
  const fo = f as ObjectV;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const sub = fo.get(String(i));
      if (sub !== undefined) out.push(filterValue(x, sub));
    });
    return out;
  }
  if (v instanceof SetV) {
    const out = new SetV();
    for (const x of v.values()) {
      const sub = fo.get(x);
      if (sub !== undefined) out.add(filterValue(x, sub));
    }
    return out;
  }
  if (v instanceof ObjectV) {
    const out = new ObjectV();
    for (const [k, x] of v.entries()) {
      const sub = fo.get(k);
      if (sub !== undefined) out.set(k, filterValue(x, sub));
    }
    return out;
  }
  return v;
}

/** OPA's jsonRemove: drops the values at the tree's null leaves; undefined when the root is removed. */
function removeValue(a: Value, b: Value | undefined): Value | undefined {
  if (b === undefined) return a;
  if (b === null) return undefined;
  if (!(b instanceof ObjectV)) return a;
  if (Array.isArray(a)) {
    const out: Value[] = [];
    a.forEach((x, i) => {
      const r = removeValue(x, b.get(String(i)));
      if (r !== undefined) out.push(r);
    });
    return out;
  }
  if (a instanceof SetV) {
    const out = new SetV();
    for (const x of a.values()) {
      const r = removeValue(x, b.get(x));
      if (r !== undefined) out.add(r);
    }
    return out;
  }
  if (a instanceof ObjectV) {
    const out = new ObjectV();
    for (const [k, x] of a.entries()) {
      const r = removeValue(x, b.get(k));
      if (r !== undefined) out.set(k, r);
    }
    return out;
  }
  return a;
}

function marshalWithOptions(args: readonly Value[]): Value {
  const name = 'json.marshal_with_options';
  const v = args[0]!;
  const opts = objOp(name, args, 2);
  let indent = '\t';
  let prefix = '';
  let implicit = false;
  let explicit: boolean | null = null;
  opts.entries().forEach(([k, x], idx) => {
    if (typeof k !== 'string') {
      throw operandErr(
        name,
        2,
        `failed to stringify key ${regoText(k)} at index ${idx}: operand ${idx} must be string but got ${regoTypeName(k)}`,
      );
    }
    switch (k) {
      case 'prefix':
      case 'indent':
        if (typeof x !== 'string') {
          throw operandErr(
            name,
            2,
            `key ${k} failed cast to string: operand ${idx} must be string but got ${regoTypeName(x)}`,
          );
        }
        if (k === 'prefix') prefix = x;
        else indent = x;
        implicit = true;
        break;
      case 'pretty':
        if (typeof x !== 'boolean') throw operandErr(name, 2, `key ${k} failed cast to bool`);
        explicit = x;
        break;
      default:
        throw operandErr(name, 2, `object contained unknown key ${k}`);
    }
  });
  const pretty = explicit ?? implicit;
  if (!pretty) return goJson(v);
  return prefix + goJson(v, prefix, indent);
}

/** OPA's schema loader: JSON text or an object/array value. */
function schemaDoc(v: Value): Value {
  if (typeof v === 'string') {
    try {
      return parseJson(v);
    } catch (e) {
      if (e instanceof ValueError) throw new SchemaError('invalid JSON string');
      throw e;
    }
  }
  if (v instanceof ObjectV || Array.isArray(v)) return v;
  throw new SchemaError('wrong type, expected string or object');
}

function verifySchema(args: readonly Value[]): Value {
  try {
    matchSchema(null, schemaDoc(args[0]!));
    return [true, null];
  } catch (e) {
    if (e instanceof SchemaError) return [false, `jsonschema: ${e.message}`];
    throw e;
  }
}

function matchSchemaBuiltin(args: readonly Value[], ctx: BuiltinContext): Value {
  try {
    const errors = matchSchema(schemaDoc(args[0]!), schemaDoc(args[1]!), ctx);
    const out = errors.map((e) =>
      ObjectV.from([
        ['error', `${e.field}: ${e.desc}`],
        ['type', e.type],
        ['field', e.field],
        ['desc', e.desc],
      ]),
    );
    return [errors.length === 0, out];
  } catch (e) {
    if (e instanceof SchemaError) throw builtinErr('json.match_schema', e.message);
    throw e;
  }
}

/** Registers `json.filter`, `json.remove`, `json.patch`, `json.marshal_with_options` and the schema builtins. */
export function registerJson(r: BuiltinRegistry): void {
  r.register({
    name: 'json.filter',
    arity: 2,
    impl: (args) => {
      const o = objOp('json.filter', args, 1);
      return filterValue(o, pathTree(paths('json.filter', args[1]!)));
    },
  });
  r.register({
    name: 'json.remove',
    arity: 2,
    impl: (args) => {
      const o = objOp('json.remove', args, 1);
      return removeValue(o, pathTree(paths('json.remove', args[1]!)));
    },
  });
  r.register({
    name: 'json.patch',
    arity: 2,
    impl: (args) => {
      const ops = arrOp('json.patch', args, 2);
      try {
        return applyPatch(args[0]!, ops);
      } catch (e) {
        // OPA: a patch that does not apply makes the call undefined, never an error.
        if (e instanceof PatchError) return undefined;
        throw e;
      }
    },
  });
  r.register({ name: 'json.marshal_with_options', arity: 2, impl: marshalWithOptions });
  r.register({ name: 'json.verify_schema', arity: 1, impl: verifySchema });
  r.register({ name: 'json.match_schema', arity: 2, impl: matchSchemaBuiltin });
}
