import { runCases, type Want } from './builtin-cases.js';

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

runCases(CASES);
