import { Dec, num, SetV, type Value } from '../value/index.js';
import { argInt, argNumber, builtinErr, typeErr } from './args.js';
import type { BuiltinRegistry } from './registry.js';

/** Largest `numbers.range` result, so a policy cannot allocate without bound. */
export const MAX_RANGE_LENGTH = 10_000_000;

function arith(name: string, f: (a: num.Num, b: num.Num) => num.Num) {
  return (args: readonly Value[]): Value => f(argNumber(name, args, 0), argNumber(name, args, 1));
}

/** Registers arithmetic (`+ - * / %`), rounding and ranges. */
export function registerNumbers(r: BuiltinRegistry): void {
  r.register({ name: 'plus', arity: 2, impl: arith('plus', num.add) });
  r.register({
    name: 'minus',
    arity: 2,
    impl: (args) => {
      const [a, b] = args;
      if (a instanceof SetV) {
        if (!(b instanceof SetV)) throw typeErr('minus', 1, 'set', b!);
        const out = new SetV();
        for (const x of a.rawValues()) if (!b.has(x)) out.add(x);
        return out;
      }
      if (!(typeof a === 'bigint' || a instanceof Dec)) throw typeErr('minus', 0, ['number', 'set'], a!);
      return num.sub(a, argNumber('minus', args, 1));
    },
  });
  r.register({ name: 'mul', arity: 2, impl: arith('mul', num.mul) });
  r.register({
    name: 'div',
    arity: 2,
    impl: (args) => {
      const a = argNumber('div', args, 0);
      const b = argNumber('div', args, 1);
      if (num.isZero(b)) throw builtinErr('div', 'divide by zero');
      return num.div(a, b);
    },
  });
  r.register({
    name: 'rem',
    arity: 2,
    impl: (args) => {
      const a = argNumber('rem', args, 0);
      const b = argNumber('rem', args, 1);
      if (typeof a !== 'bigint' || typeof b !== 'bigint')
        throw builtinErr('rem', 'modulo on floating-point number');
      if (b === 0n) throw builtinErr('rem', 'modulo by zero');
      return a % b;
    },
  });
  r.register({ name: 'abs', arity: 1, impl: (args) => num.abs(argNumber('abs', args, 0)) });
  r.register({ name: 'round', arity: 1, impl: (args) => num.round(argNumber('round', args, 0)) });
  r.register({ name: 'ceil', arity: 1, impl: (args) => num.ceil(argNumber('ceil', args, 0)) });
  r.register({ name: 'floor', arity: 1, impl: (args) => num.floor(argNumber('floor', args, 0)) });
  const range = (name: string, a: bigint, b: bigint, step: bigint, ctx: { tick(n: number): void }): Value => {
    const len = (a > b ? a - b : b - a) / step + 1n;
    if (len > BigInt(MAX_RANGE_LENGTH)) throw builtinErr(name, `range of ${len} elements is too large`);
    ctx.tick(Number(len));
    const out: Value[] = [];
    if (a <= b) for (let x = a; x <= b; x += step) out.push(x);
    else for (let x = a; x >= b; x -= step) out.push(x);
    return out;
  };
  r.register({
    name: 'numbers.range',
    arity: 2,
    impl: (args, ctx) =>
      range('numbers.range', argInt('numbers.range', args, 0), argInt('numbers.range', args, 1), 1n, ctx),
  });
  r.register({
    name: 'numbers.range_step',
    arity: 3,
    impl: (args, ctx) => {
      const n = 'numbers.range_step';
      const step = argInt(n, args, 2);
      if (step <= 0n) throw builtinErr(n, 'step must be a positive integer');
      return range(n, argInt(n, args, 0), argInt(n, args, 1), step, ctx);
    },
  });
  r.register({
    name: 'rand.intn',
    arity: 2,
    nondeterministic: true,
    impl: (args, ctx) => {
      const n = argInt('rand.intn', args, 1);
      if (n === 0n) return 0n;
      const key = `rand.intn:${JSON.stringify(args[0])}:${n}`;
      const hit = ctx.cache.get(key);
      if (typeof hit === 'bigint') return hit;
      const v = BigInt(Math.floor(Math.random() * Number(n < 0n ? -n : n)));
      ctx.cache.set(key, v);
      return v;
    },
  });
}
