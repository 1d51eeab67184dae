import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { toMeasurable } from '../index.js';

// The specification toMeasurable is held to: a full copy with every bigint a number when exact,
// a decimal string beyond 2^53, and non-finite numbers as strings.
function reference(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (Array.isArray(v)) return v.map(reference);
  if (typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, reference(x)]),
    );
  return v;
}

const leaf = fc.oneof(
  fc.string({ maxLength: 5 }),
  fc.boolean(),
  fc.constant(null),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, undefined),
);
const tree = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('node'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).node;

test('toMeasurable converts like a full copy, and shares whatever needs no conversion', () => {
  fc.assert(
    fc.property(tree, (v) => {
      const m = toMeasurable(v);
      assert.deepEqual(m, reference(v));
      // Without a bigint, non-finite number or undefined below it, a container is the input itself.
      const needs = JSON.stringify(v, (_k, x: unknown) =>
        typeof x === 'bigint' || x === undefined || (typeof x === 'number' && !Number.isFinite(x))
          ? 'CONVERT'
          : x,
      );
      if (v !== null && typeof v === 'object' && !needs.includes('CONVERT')) assert.equal(m, v);
    }),
    { numRuns: 1000 },
  );
});
