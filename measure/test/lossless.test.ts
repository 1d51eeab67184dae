import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  canonicalize,
  canonicalizeWithMember,
  encodeRecord,
  MeasurementLog,
  openRegister,
  parseLog,
} from '../index.js';

// The specification `lossless` is held to: canonicalize a full copy in which every bigint is a
// number when exact and a decimal string beyond 2^53, undefined is null, and non-finite numbers
// are strings.
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
  fc.string({ unit: 'grapheme', maxLength: 5 }),
  fc.boolean(),
  fc.constant(null),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, undefined),
);
const tree = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('node'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).node;

// True when strict canonicalization must refuse v (something only lossless accepts is in it).
function needsLossless(v: unknown): boolean {
  if (v === undefined || typeof v === 'bigint') return true;
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v !== null && typeof v === 'object') return Object.values(v).some(needsLossless);
  return false;
}

test('lossless canonicalization is canonicalize of the converted copy; strict refuses what needs it', () => {
  fc.assert(
    fc.property(tree, (v) => {
      const text = canonicalize(v, { lossless: true });
      assert.equal(text, canonicalize(reference(v)));
      if (needsLossless(v)) assert.throws(() => canonicalize(v), /cannot canonicalize/);
      else assert.equal(canonicalize(v), text);
    }),
    { numRuns: 1000 },
  );
});

test('long strings: written in one call when plain, and a lone surrogate is refused at any length', () => {
  for (const n of [10, 255, 256, 300, 5000]) {
    const plain = 'a'.repeat(n);
    assert.equal(canonicalize(plain), JSON.stringify(plain));
    const pair = `${'é'.repeat(n)}😀`;
    assert.equal(canonicalize({ [pair]: pair }), `{${JSON.stringify(pair)}:${JSON.stringify(pair)}}`);
    assert.throws(() => canonicalize(`${plain}\ud800`), /lone surrogate/);
    assert.throws(() => canonicalize(`\udc00${plain}`), /lone surrogate/);
    assert.throws(() => canonicalize({ [`${plain}\ud800x`]: 1 }), /lone surrogate/);
  }
});

test('a record appended with lossless content is the record of its canonical text', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ward-lossless-'));
  try {
    for (const spec of ['sha384', 'sha256']) {
      const reg = await openRegister(`software:${join(dir, `${spec}.reg`)}:${spec}`);
      const path = join(dir, `${spec}.log`);
      const log = await MeasurementLog.open({ path, register: reg });
      const bodies = fc.sample(fc.dictionary(fc.string({ maxLength: 6 }), tree, { maxKeys: 5 }), 40);
      const kept = bodies.filter((b) => !Object.hasOwn(b, 'seq'));
      await Promise.all(kept.map((b) => log.appendEvent('ward', 'Test', b, { lossless: true })));
      // A refused body (here a strict append of a bigint) takes no sequence number.
      await assert.rejects(log.appendEvent('ward', 'Test', { n: 1n }), /bigint/);
      await log.close();
      const expected = Buffer.concat(
        kept.map(
          (b, seq) =>
            encodeRecord(reg.mrIndex, reg.alg, {
              domain: 'ward',
              operation: 'Test',
              content: canonicalizeWithMember(reference(b) as Record<string, unknown>, 'seq', seq),
            }).bytes,
        ),
      );
      const bytes = await readFile(path);
      assert.deepEqual(bytes, expected);
      assert.equal(parseLog(bytes).tail, 'clean');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
