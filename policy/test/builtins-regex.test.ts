import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, PolicyError, toJson } from '../index.js';

// Each case: a Rego expression and the JSON of its value (undefined: no result), or the error it
// raises with strict builtin errors. Expected matches come from Go 1.19's regexp package.
type Want = string | undefined | { code: string; msg: string };

const CASES: readonly [string, Want][] = [
  ['regex.match(`^[a-z]+\\d$`, "abc1")', 'true'],
  ['regex.match("(?i)ABC", "xabcx")', 'true'],
  ['regex.match("(?i:a)B", "Ab")', 'false'],
  ['regex.match("(?s)a.b", "a\\nb")', 'true'],
  ['regex.match("a.b", "a\\nb")', 'false'],
  ['regex.match("(?m)^b$", "a\\nb\\nc")', 'true'],
  ['regex.match("^b$", "a\\nb")', 'false'],
  ['regex.match(`\\Aab\\z`, "ab")', 'true'],
  ['regex.match("[[:alpha:]]+[[:^digit:]]", "ab!")', 'true'],
  ['regex.match(`\\pL\\p{Greek}`, "aλ")', 'true'],
  ['regex.match(`\\Qa.b\\E`, "axb")', 'false'],
  ['regex.match(`\\s`, "\\u000b")', 'false'],
  ['regex.match(`(a)\\1`, "aa")', { code: 'eval_builtin_error', msg: 'invalid escape sequence: `\\1`' }],
  [
    'regex.match("a(?=b)", "ab")',
    { code: 'eval_builtin_error', msg: 'invalid or unsupported Perl syntax: `(?=`' },
  ],
  ['regex.match("a**", "a")', { code: 'eval_builtin_error', msg: 'invalid nested repetition operator' }],
  ['regex.match("[", "a")', { code: 'eval_builtin_error', msg: 'missing closing ]: `[`' }],
  ['regex.is_valid("a{1001}")', 'false'],
  ['regex.is_valid("(?P<n>x)")', 'true'],
  ['regex.is_valid(1)', 'false'],
  ['regex.replace("xABBbyab", "(?i)a(?P<n>b+)", "[${n}]")', '"x[BBb]y[b]"'],
  ['regex.replace("baaac", "a*", "-")', '"-b-c-"'],
  ['regex.replace("foo", "(foo)", "$1$1")', '"foofoo"'],
  ['regex.replace("foo", "^[a-z]", "F")', '"Foo"'],
  ['regex.split(`\\s+`, " a  b c ")', '["","a","b","c",""]'],
  ['regex.find_n(`[[:upper:]]\\d`, "A1 b2 C3 D", -1)', '["A1","C3"]'],
  ['regex.find_n("a.", "aXaYaZ", 2)', '["aX","aY"]'],
  ['regex.find_all_string_submatch_n(`([a-z]+)=(\\d+)?`, "a=1 b=", -1)', '[["a=1","a","1"],["b=","b",""]]'],
  ['regex.template_match("urn:foo:{.*}", "urn:foo:bar:baz", "{", "}")', 'true'],
  ['regex.template_match("urn:foo:<[0-9]+>", "urn:foo:x", "<", ">")', 'false'],
  ['regex.template_match("a{", "a", "{", "}")', { code: 'eval_builtin_error', msg: 'unbalanced braces' }],
  ['regex.globs_match("a.a.[0-9]+z", ".b.b2359825792*594823z")', 'true'],
  ['regex.globs_match("[a-z]+", "[0-9]*")', 'false'],
  ['re_match("^x", "xy")', 'true'],
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
