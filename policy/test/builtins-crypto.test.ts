import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, PolicyError, toJson } from '../index.js';

// Each case: a Rego expression and the JSON of its value. Digests verified with Go's crypto packages.
type Want = string | undefined | { code: string; msg: string };

const CASES: readonly [string, Want][] = [
  ['crypto.md5("hello")', '"5d41402abc4b2a76b9719d911017c592"'],
  ['crypto.sha1("hello")', '"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"'],
  ['crypto.sha256("hello")', '"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"'],
  [
    'crypto.hmac.sha256("message", "key")',
    '"6e9ef29b75fffc5b7abae527d58fdadb2fe42e7219011976917343065f58ed4a"',
  ],
  ['crypto.hmac.md5("message", "key")', '"4e4748e62b463521f6775fbf921234b5"'],
  ['crypto.hmac.equal("abc", "abc")', 'true'],
  ['crypto.hmac.equal("abc", "abd")', 'false'],
  ['crypto.hmac.equal("abc", "ab")', 'false'],
  ['crypto.md5(1)', { code: 'eval_type_error', msg: 'crypto.md5: operand 1 must be string but got number' }],
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
