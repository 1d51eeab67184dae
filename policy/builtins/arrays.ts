import type { Value } from '../value/index.js';
import { argArray, argNumber } from './args.js';
import type { BuiltinRegistry } from './registry.js';

/** Registers `array.concat array.slice array.flatten array.reverse`. */
export function registerArrays(r: BuiltinRegistry): void {
  r.register({
    name: 'array.concat',
    arity: 2,
    impl: (args) => [...argArray('array.concat', args, 0), ...argArray('array.concat', args, 1)],
  });
  r.register({
    name: 'array.slice',
    arity: 3,
    impl: (args) => {
      const a = argArray('array.slice', args, 0);
      const clamp = (i: number): number => {
        const n = argNumber('array.slice', args, i);
        const x = typeof n === 'bigint' ? n : BigInt(Math.trunc(Number(n.m) / 10 ** n.s));
        return Number(x < 0n ? 0n : x > BigInt(a.length) ? BigInt(a.length) : x);
      };
      const s = clamp(1);
      const e = clamp(2);
      return s >= e ? [] : a.slice(s, e);
    },
  });
  r.register({
    name: 'array.flatten',
    arity: 1,
    impl: (args) => {
      const out: Value[] = [];
      for (const x of argArray('array.flatten', args, 0)) {
        if (Array.isArray(x)) out.push(...x);
        else out.push(x);
      }
      return out;
    },
  });
  r.register({
    name: 'array.reverse',
    arity: 1,
    impl: (args): Value => [...argArray('array.reverse', args, 0)].reverse(),
  });
}
