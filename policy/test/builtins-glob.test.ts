import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, PolicyError, toJson } from '../index.js';

// Each case: a Rego expression and the JSON of its value, or the error with strict builtin errors.
// Semantics follow gobwas/glob as OPA uses it.
type Want = string | undefined | { code: string; msg: string };

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
