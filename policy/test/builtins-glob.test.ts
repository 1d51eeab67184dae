import { runCases, type Want } from './builtin-cases.js';

// Each case: a Rego expression and the JSON of its value, or the error with strict builtin errors.

const CASES: readonly [string, Want][] = [
  ['glob.match("*.github.com", [], "api.github.com")', 'true'],
  ['glob.match("*.github.com", [], "api.cdn.github.com")', 'false'],
  ['glob.match("api.**.com", ["."], "api.cdn.github.com")', 'true'],
  ['glob.match("*:github:com", [":"], "api:github:com")', 'true'],
  ['glob.match("*", null, "foo.bar")', 'true'],
  ['glob.match("?at", [], "at")', 'false'],
  ['glob.match("[!a-c]at", [], "fat")', 'true'],
  ['glob.match("[abc]at", [], "fat")', 'false'],
  ['glob.match("{cat,bat,[fr]at}", [], "rat")', 'true'],
  ['glob.match("{a,{b,c}}d", [], "cd")', 'true'],
  ['glob.match(`\\*x`, [], "*x")', 'true'],
  ['glob.match("[a-", [], "a")', { code: 'eval_builtin_error', msg: 'glob.match: ' }],
  [
    'glob.match("*", 1, "a")',
    { code: 'eval_type_error', msg: 'operand 2 must be one of {array, null} but got number' },
  ],
  [
    'glob.match("*", ["ab"], "a")',
    { code: 'eval_type_error', msg: 'operand 2 must be array of runes but got array containing string' },
  ],
  ['glob.quote_meta("*.github.com")', '"\\\\*.github.com"'],
  ['glob.quote_meta("[a]{b}?")', '"\\\\[a\\\\]\\\\{b\\\\}\\\\?"'],
];

runCases(CASES);
