import { compare, Dec, num, ObjectV, SetV, type Value } from '../value/index.js';
import { typeErr } from './args.js';
import type { BuiltinRegistry } from './registry.js';

function items(name: string, v: Value, allowObject: boolean): readonly Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof SetV) return v.values();
  if (allowObject && v instanceof ObjectV) return v.entries().map((e) => e[1]);
  throw typeErr(name, 0, allowObject ? ['array', 'object', 'set'] : ['array', 'set'], v);
}

function numbers(name: string, v: Value): num.Num[] {
  return items(name, v, false).map((x) => {
    if (typeof x !== 'bigint' && !(x instanceof Dec)) throw typeErr(name, 0, ['array', 'set'], v);
    return x;
  });
}

/** Registers `count sum product max min sort all any`. */
export function registerAggregates(r: BuiltinRegistry): void {
  r.register({
    name: 'count',
    arity: 1,
    impl: ([v]) => {
      if (typeof v === 'string') return BigInt([...v].length);
      if (Array.isArray(v)) return BigInt(v.length);
      if (v instanceof ObjectV || v instanceof SetV) return BigInt(v.size);
      throw typeErr('count', 0, ['array', 'object', 'set', 'string'], v!);
    },
  });
  r.register({
    name: 'sum',
    arity: 1,
    impl: ([v]) => numbers('sum', v!).reduce<num.Num>((a, b) => num.add(a, b), 0n),
  });
  r.register({
    name: 'product',
    arity: 1,
    impl: ([v]) => numbers('product', v!).reduce<num.Num>((a, b) => num.mul(a, b), 1n),
  });
  const pick =
    (name: string, better: (c: number) => boolean) =>
    (args: readonly Value[]): Value | undefined => {
      const v = args[0];
      const xs = items(name, v!, false);
      if (xs.length === 0) return undefined;
      let best: Value = xs[0]!;
      for (const x of xs) if (better(compare(x, best))) best = x;
      return best;
    };
  r.register({ name: 'max', arity: 1, impl: pick('max', (c) => c > 0) });
  r.register({ name: 'min', arity: 1, impl: pick('min', (c) => c < 0) });
  r.register({ name: 'sort', arity: 1, impl: ([v]) => [...items('sort', v!, false)].sort(compare) });
  r.register({
    name: 'all',
    arity: 1,
    impl: ([v]) => items('all', v!, false).every((x) => x === true),
  });
  r.register({
    name: 'any',
    arity: 1,
    impl: ([v]) => items('any', v!, false).some((x) => x === true),
  });
}
