import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, PolicyError, toJson } from '../index.js';

// Each case: a Rego expression and the JSON of its value, or the error with strict builtin errors.
type Want = string | undefined | { code: string; msg: string };

const CASES: readonly [string, Want][] = [
  ['graph.reachable({"a": ["b"], "b": {"c"}, "c": [], "d": ["a"]}, ["a"])', '["a","b","c"]'],
  ['graph.reachable({"a": ["b"], "b": ["a"]}, {"b"})', '["a","b"]'],
  ['graph.reachable({"a": ["x"]}, ["a", "z"])', '["a"]'],
  [
    'graph.reachable({}, "a")',
    { code: 'eval_type_error', msg: 'operand 2 must be {array, set} but got string' },
  ],
  [
    'graph.reachable_paths({"a": ["b", "c"], "b": ["d"], "c": [], "d": []}, ["a"])',
    '[["a","b","d"],["a","c"]]',
  ],
  ['graph.reachable_paths({"a": ["b"], "b": ["a"]}, ["a"])', '[["a","b"]]'],
  [
    'graph.reachable_paths({"one": ["two", "five"], "two": ["four"], "three": [""], "four": ["three"], "five": ["seven", "six"], "six": ["nine", "seven"], "seven": ["eight"], "eight": ["three"], "nine": [""]}, {"one"})',
    '[["one","five","seven","eight","three"],["one","five","six"],["one","five","six","nine"],["one","two","four","three"]]',
  ],
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
