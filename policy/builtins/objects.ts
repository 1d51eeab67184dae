import { equal, ObjectV, SetV, type Value } from '../value/index.js';
import { argObject, typeErr } from './args.js';
import type { BuiltinRegistry } from './registry.js';

function keySet(name: string, v: Value, i: number): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof SetV) return [...v.values()];
  if (v instanceof ObjectV) return v.keys();
  throw typeErr(name, i, ['object', 'set', 'array'], v);
}

/** Deep merge as `object.union`: right wins, nested objects merge. */
export function mergeUnion(a: ObjectV, b: ObjectV): ObjectV {
  const out = a.clone();
  for (const [k, v] of b.rawEntries()) {
    const prev = out.get(k);
    out.set(k, prev instanceof ObjectV && v instanceof ObjectV ? mergeUnion(prev, v) : v);
  }
  return out;
}

function nestedSubset(sup: Value, sub: Value): boolean {
  const bothObjects = sup instanceof ObjectV && sub instanceof ObjectV;
  const bothSets = sup instanceof SetV && sub instanceof SetV;
  const bothArrays = Array.isArray(sup) && Array.isArray(sub);
  return bothObjects || bothSets || bothArrays ? subset(sup, sub) : equal(sup, sub);
}

/** OPA's `object.subset`: recursive for objects, membership for sets, contiguous slice for arrays. */
function subset(sup: Value, sub: Value): boolean {
  if (sup instanceof ObjectV && sub instanceof ObjectV) {
    for (const [k, v] of sub.rawEntries()) {
      const x = sup.get(k);
      if (x === undefined || !nestedSubset(x, v)) return false;
    }
    return true;
  }
  if (sup instanceof SetV && sub instanceof SetV) {
    for (const v of sub.rawValues()) if (!sup.has(v)) return false;
    return true;
  }
  if (Array.isArray(sup) && Array.isArray(sub)) {
    if (sub.length === 0) return true;
    for (let i = 0; i + sub.length <= sup.length; i++) {
      if (sub.every((x, j) => equal(x, sup[i + j]!))) return true;
    }
    return false;
  }
  if (Array.isArray(sup) && sub instanceof SetV)
    return sub.values().every((x) => sup.some((y) => equal(x, y)));
  if (!(sup instanceof ObjectV || sup instanceof SetV || Array.isArray(sup))) {
    throw typeErr('object.subset', 0, ['object', 'set', 'array'], sup);
  }
  throw typeErr(
    'object.subset',
    1,
    sup instanceof ObjectV ? 'object' : sup instanceof SetV ? 'set' : ['array', 'set'],
    sub,
  );
}

/** Registers `object.keys union union_n remove filter subset`. */
export function registerObjects(r: BuiltinRegistry): void {
  r.register({
    name: 'object.keys',
    arity: 1,
    impl: (args) => SetV.from(argObject('object.keys', args, 0).keys()),
  });
  r.register({
    name: 'object.union',
    arity: 2,
    impl: (args) => mergeUnion(argObject('object.union', args, 0), argObject('object.union', args, 1)),
  });
  r.register({
    name: 'object.union_n',
    arity: 1,
    impl: ([v]) => {
      if (!Array.isArray(v)) throw typeErr('object.union_n', 0, 'array', v!);
      let out = new ObjectV();
      for (const o of v) {
        if (!(o instanceof ObjectV)) throw typeErr('object.union_n', 0, 'array', v);
        out = mergeUnion(out, o);
      }
      return out;
    },
  });
  r.register({
    name: 'object.remove',
    arity: 2,
    impl: (args) => {
      const o = argObject('object.remove', args, 0).clone();
      for (const k of keySet('object.remove', args[1]!, 1)) o.delete(k);
      return o;
    },
  });
  r.register({
    name: 'object.filter',
    arity: 2,
    impl: (args) => {
      const o = argObject('object.filter', args, 0);
      const out = new ObjectV();
      for (const k of keySet('object.filter', args[1]!, 1)) {
        const v = o.get(k);
        if (v !== undefined) out.set(k, v);
      }
      return out;
    },
  });
  r.register({
    name: 'object.subset',
    arity: 2,
    impl: ([a, b]) => subset(a!, b!),
  });
}
