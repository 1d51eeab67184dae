import { SetV, type Value } from '../value/index.js';
import { argSet, typeErr } from './args.js';
import type { BuiltinRegistry } from './registry.js';

function setsOf(name: string, v: Value): SetV[] {
  if (!(v instanceof SetV)) throw typeErr(name, 0, 'set', v);
  return v.values().map((x) => {
    if (!(x instanceof SetV)) throw typeErr(name, 0, 'set', v);
    return x;
  });
}

function intersect(a: SetV, b: SetV): SetV {
  const out = new SetV();
  for (const x of a.rawValues()) if (b.has(x)) out.add(x);
  return out;
}

function union(a: SetV, b: SetV): SetV {
  const out = a.clone();
  for (const x of b.rawValues()) out.add(x);
  return out;
}

/** Registers `and or` (the `& |` operators) and `intersection union`. */
export function registerSets(r: BuiltinRegistry): void {
  r.register({
    name: 'and',
    arity: 2,
    impl: (args) => intersect(argSet('and', args, 0), argSet('and', args, 1)),
  });
  r.register({ name: 'or', arity: 2, impl: (args) => union(argSet('or', args, 0), argSet('or', args, 1)) });
  r.register({
    name: 'intersection',
    arity: 1,
    impl: ([v]) => {
      const ss = setsOf('intersection', v!);
      if (ss.length === 0) return new SetV();
      return ss.reduce(intersect);
    },
  });
  r.register({ name: 'union', arity: 1, impl: ([v]) => setsOf('union', v!).reduce(union, new SetV()) });
}
