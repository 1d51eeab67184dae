import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, PolicyError, toJson } from '../index.js';

// Each case: a Rego expression and the JSON of its value, or the error with strict builtin errors.
type Want = string | undefined | { code: string; msg: string };

const CASES: readonly [string, Want][] = [
  ['bits.and(7, 9)', '1'],
  ['bits.or(7, 9)', '15'],
  ['bits.xor(7, 9)', '14'],
  ['bits.negate(42)', '-43'],
  ['bits.lsh(1, 70)', '1180591620717411303424'],
  ['bits.rsh(-9, 1)', '-5'],
  [
    'bits.and(7.2, 42)',
    {
      code: 'eval_type_error',
      msg: 'bits.and: operand 1 must be integer number but got floating-point number',
    },
  ],
  ['bits.or("a", 1)', { code: 'eval_type_error', msg: 'bits.or: operand 1 must be integer but got string' }],
  [
    'bits.lsh(7, -1)',
    {
      code: 'eval_type_error',
      msg: 'operand 2 must be an unsigned integer number but got a negative integer',
    },
  ],
  ['bits.lsh(1, 1000000)', { code: 'eval_builtin_error', msg: 'bits.lsh: shift of 1000000 bits' }],
];

/** Evaluates every case on one engine; exported shape shared by the family test files. */
function run(cases: readonly [string, Want][]): void {
  const engine = new Engine();
  for (const [expr, want] of cases) {
    test(expr, () => {
      if (typeof want === 'object') {
        assert.throws(
          () => engine.evalQuery(`x := ${expr}`, { strictBuiltinErrors: true }),
          (e: unknown) => e instanceof PolicyError && e.code === want.code && e.message.includes(want.msg),
        );
        return;
      }
      const rows = engine.evalQuery(`x := ${expr}`).rows;
      const got = rows[0]?.bindings.get('x');
      assert.equal(got === undefined ? undefined : toJson(got), want);
    });
  }
}

run(CASES);
