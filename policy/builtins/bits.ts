import { Dec, type Value } from '../value/index.js';
import { builtinErr } from './args.js';
import { intOp, operandErr, operandTypeErr } from './lib-operand.js';
import type { BuiltinContext, BuiltinRegistry } from './registry.js';

/** Largest left shift accepted, so `bits.lsh(1, 1e9)` cannot allocate a gigabit integer. */
export const MAX_SHIFT = 1 << 16;

/** OPA's BigIntOperand. */
function bigOp(name: string, args: readonly Value[], pos: number): bigint {
  const v = args[pos - 1]!;
  if (typeof v === 'bigint') return v;
  if (v instanceof Dec) throw operandErr(name, pos, 'must be integer number but got floating-point number');
  throw operandTypeErr(name, pos, v, 'integer');
}

function shift(name: string, left: boolean) {
  return (args: readonly Value[], ctx: BuiltinContext): Value => {
    const x = bigOp(name, args, 1);
    const n = intOp(name, args, 2);
    if (n < 0n) throw operandErr(name, 2, 'must be an unsigned integer number but got a negative integer');
    if (!left) return x >> n;
    if (n > BigInt(MAX_SHIFT)) throw builtinErr(name, `shift of ${n} bits exceeds ${MAX_SHIFT}`);
    ctx.tick(Number(n) >> 6);
    return x << n;
  };
}

function binary(name: string, f: (a: bigint, b: bigint) => bigint) {
  return (args: readonly Value[]): Value => f(bigOp(name, args, 1), bigOp(name, args, 2));
}

/** Registers `bits.*` over arbitrary-precision integers (two's complement, as Go's big.Int). */
export function registerBits(r: BuiltinRegistry): void {
  r.register({ name: 'bits.or', arity: 2, impl: binary('bits.or', (a, b) => a | b) });
  r.register({ name: 'bits.and', arity: 2, impl: binary('bits.and', (a, b) => a & b) });
  r.register({ name: 'bits.xor', arity: 2, impl: binary('bits.xor', (a, b) => a ^ b) });
  r.register({ name: 'bits.negate', arity: 1, impl: (args) => ~bigOp('bits.negate', args, 1) });
  r.register({ name: 'bits.lsh', arity: 2, impl: shift('bits.lsh', true) });
  r.register({ name: 'bits.rsh', arity: 2, impl: shift('bits.rsh', false) });
}
