import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, PolicyError, toJson } from '../index.js';

// Each case: a Rego expression and the JSON of its value, or the error with strict builtin errors.
type Want = string | undefined | { code: string; msg: string };

const CASES: readonly [string, Want][] = [
  ['semver.is_valid("1.0.0")', 'true'],
  ['semver.is_valid("v1.2.3-rc.1+build.5")', 'true'],
  ['semver.is_valid("1")', 'false'],
  ['semver.is_valid("1.0.0-")', 'true'],
  ['semver.is_valid("1.0.0-a..b")', 'false'],
  ['semver.is_valid(1)', 'false'],
  ['semver.compare("2.0.0", "1.0.0")', '1'],
  ['semver.compare("1.0.0", "1.0.0+build")', '0'],
  ['semver.compare("1.0.0-alpha", "1.0.0")', '-1'],
  ['semver.compare("1.0.0-alpha.1", "1.0.0-alpha.beta")', '-1'],
  ['semver.compare("1.0.0-rc.10", "1.0.0-rc.9")', '1'],
  ['semver.compare("1.0.0-alpha.1", "1.0.0-alpha")', '1'],
  [
    'semver.compare("1.0.0", "1")',
    { code: 'eval_builtin_error', msg: 'semver.compare: operand 2: string "1" is not a valid SemVer' },
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
