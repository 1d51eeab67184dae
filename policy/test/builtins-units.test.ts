import { runCases, type Want } from './builtin-cases.js';

const CASES: readonly [string, Want][] = [
  ['units.parse_bytes("1KiB")', '1024'],
  ['units.parse_bytes("1.1KiB")', '1126'],
  ['units.parse_bytes("\\"100TIB\\"")', '109951162777600'],
  ['units.parse_bytes("10eib")', '11529215046068469760'],
  ['units.parse_bytes("3.2E2MiB")', '335544320'],
  ['units.parse_bytes("5E")', '5000000000000000000'],
  [
    'units.parse_bytes("")',
    { code: 'eval_builtin_error', msg: 'units.parse_bytes: no byte amount provided' },
  ],
  [
    'units.parse_bytes("0.0.0")',
    { code: 'eval_builtin_error', msg: 'could not parse byte amount to a number' },
  ],
  [
    'units.parse_bytes("100 kb")',
    { code: 'eval_builtin_error', msg: 'spaces not allowed in resource strings' },
  ],
  ['units.parse_bytes("1e1234567")', { code: 'eval_builtin_error', msg: 'exponent too large' }],
  ['units.parse_bytes("1xb")', { code: 'eval_builtin_error', msg: 'byte unit xb not recognized' }],
  ['units.parse("500m")', '0.5'],
  ['units.parse("1m")', '0.001'],
  ['units.parse("1000000000000m")', '1000000000.0000000208'],
  ['units.parse("0.0005K")', '0.5'],
  ['units.parse("2Mi")', '2097152'],
  ['units.parse("1MI")', '1048576'],
  ['units.parse("1x")', { code: 'eval_builtin_error', msg: 'units.parse: unit x not recognized' }],
];

runCases(CASES);
