import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, PolicyError, toJson } from '../index.js';

/**
 * What a builtin case expects: the JSON of the expression's value, undefined for no value, or
 * the error (code and message substring) it raises with strict builtin errors.
 */
export type Want = string | undefined | { code: string; msg: string };

/** Registers one node:test per case `[Rego expression, expectation]`, all on one engine. */
export function runCases(cases: readonly (readonly [string, Want])[]): void {
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
