import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalize, digest, encodeRecord, parseLog, SHA256, SHA384, taggedEventData } from '../index.js';
import { MEMBER_ORDER_CACHE_MAX_MEMBERS, MEMBER_ORDER_CACHE_SIZE } from '../jcs.js';

// guest-components attestation-agent eventlog unit test (test_event_digest): the digest of the
// TCG2 event data of `domain operation content`.
const AAEL_SHA256 = '46df8dacf00a07d34a83cdf56d7978697790787cf2ba1432ef7c38f22cd96351';
const AAEL_SHA384 =
  'dad5f0e226318ffa9839b75a472c6aa7fdb5834949d0a0a22990cf04d5692440fb00f3aa0609db7e49cd8d793f670d02';
// Trustee deps/eventlog/test_data/CCEL_AAEL_alibabacloud: the first AAEL event (MR index 4, SHA-384).
const TRUSTEE_EVENT_B64 = 'TEVBQSQAAABjb2NvLmNvbSBzb21lLW9wZXJhdGlvbiBzb21lLWNvbnRlbnQ=';
const TRUSTEE_DIGEST =
  '2330183d89750c6a374ac9827d33a33636e7876733544584c8ccc88df0df87eada37e5d71d0773502234c2b5fbc7448e';

const ev = { domain: 'domain', operation: 'operation', content: 'content' };

test('AAEL digest vectors of guest-components (SHA-256, SHA-384)', () => {
  const data = taggedEventData(ev);
  assert.equal(digest(SHA256, data).toString('hex'), AAEL_SHA256);
  assert.equal(digest(SHA384, data).toString('hex'), AAEL_SHA384);
  assert.equal(encodeRecord(4, SHA256, ev).digest.toString('hex'), AAEL_SHA256);
  assert.equal(encodeRecord(4, SHA384, ev).digest.toString('hex'), AAEL_SHA384);
});

test('Trustee CCEL_AAEL_alibabacloud event: same event bytes and digest', () => {
  const fixture = Buffer.from(TRUSTEE_EVENT_B64, 'base64');
  const data = taggedEventData({ domain: 'coco.com', operation: 'some-operation', content: 'some-content' });
  assert.deepEqual(data, fixture);
  const { bytes, digest: d } = encodeRecord(4, SHA384, {
    domain: 'coco.com',
    operation: 'some-operation',
    content: 'some-content',
  });
  assert.equal(d.toString('hex'), TRUSTEE_DIGEST);
  // TCG_PCR_EVENT2 layout: index 4, EV_EVENT_TAG, one digest, SHA-384 (0x000c), size, data.
  assert.equal(bytes.readUInt32LE(0), 4);
  assert.equal(bytes.readUInt32LE(4), 6);
  assert.equal(bytes.readUInt32LE(8), 1);
  assert.equal(bytes.readUInt16LE(12), 0x000c);
  assert.equal(bytes.subarray(14, 62).toString('hex'), TRUSTEE_DIGEST);
  assert.equal(bytes.readUInt32LE(62), fixture.length);
  assert.deepEqual(bytes.subarray(66), fixture);
  const parsed = parseLog(bytes);
  assert.equal(parsed.tail, 'clean');
  assert.equal(parsed.records[0]?.domain, 'coco.com');
  assert.equal(parsed.records[0]?.content, 'some-content');
});

test('RFC 8785 canonicalization: ordering, numbers, strings', () => {
  // RFC 8785 section 3.2.2 example values.
  const input = {
    // biome-ignore lint/correctness/noPrecisionLoss: RFC 8785's own example input.
    numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
    string: '\u20ac$\u000f\u000aA\'\u0042\u0022\u005c\\"/',
    literals: [null, true, false],
  };
  assert.equal(
    canonicalize(input),
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
  );
  // Sorting by UTF-16 code units (RFC 8785 section 3.2.3 example).
  const sorted = canonicalize({
    '\u20ac': 'Euro Sign',
    '\r': 'Carriage Return',
    '\ufb33': 'Hebrew Letter Dalet With Dagesh',
    '1': 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face',
    '\u0080': 'Control',
    '\u00f6': 'Latin Small Letter O With Diaeresis',
  });
  // Read values in text order: JSON.parse would move the integer-like key "1" first.
  assert.deepEqual(
    [...sorted.matchAll(/":"([^"]+)"/g)].map((m) => m[1]),
    [
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ],
  );
  assert.equal(canonicalize(-0), '0');
  assert.throws(() => canonicalize(Number.NaN), /not a JSON number/);
  assert.throws(() => canonicalize('\ud800'), /lone surrogate/);
  assert.throws(() => canonicalize({ a: undefined }), /undefined/);
  assert.throws(() => canonicalize(new Date()), /plain objects/);
});

test('domain and operation must not contain whitespace; content no newline', () => {
  assert.throws(() => taggedEventData({ domain: 'a b', operation: 'x', content: '' }), /whitespace/);
  assert.throws(() => taggedEventData({ domain: 'a', operation: 'x\ty', content: '' }), /whitespace/);
  assert.throws(() => taggedEventData({ domain: 'a', operation: 'x', content: 'a\nb' }), /newline/);
});

test('the WebAssembly SHA-384/512 agrees with node crypto at every padding boundary', async () => {
  const { createHash, randomBytes } = await import('node:crypto');
  const { SHA512, wasmSha, extendValue } = await import('../index.js');
  assert.ok(wasmSha('sha384', [Buffer.alloc(1)]), 'WebAssembly engine is active');
  for (let len = 0; len <= 300; len++) {
    const d = randomBytes(len);
    for (const alg of [SHA384, SHA512]) {
      assert.deepEqual(
        wasmSha(alg.name as 'sha384' | 'sha512', [d]),
        createHash(alg.name).update(d).digest(),
        `${alg.name} ${len}`,
      );
    }
  }
  const big = randomBytes(70_000);
  assert.deepEqual(digest(SHA384, big), createHash('sha384').update(big).digest());
  const old = randomBytes(48);
  const ev = randomBytes(48);
  assert.deepEqual(extendValue(SHA384, old, ev), createHash('sha384').update(old).update(ev).digest());
});

test('the one-pass RFC 8785 checker agrees with canonicalize(JSON.parse(text)) === text', async () => {
  const fc = await import('fast-check');
  const { isCanonicalJson } = await import('../jcs-check.js');
  const reference = (t: string): boolean => {
    try {
      return canonicalize(JSON.parse(t)) === t;
    } catch {
      return false;
    }
  };
  const agree = (t: string): void => {
    const b = Buffer.from(t, 'utf8');
    // Lone surrogates cannot occur in a record (its text is valid UTF-8).
    if (b.toString('utf8') !== t) return;
    assert.equal(isCanonicalJson(b, 0, b.length), reference(t), JSON.stringify(t));
  };
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
      agree(canonicalize(v));
      agree(JSON.stringify(v));
      agree(JSON.stringify(v, null, 1));
    }),
    { numRuns: 2000 },
  );
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), agree), { numRuns: 3000 });
  for (const t of [
    '{"a":1,"a":2}',
    '{"b":1,"a":2}',
    '1.0',
    '-0',
    '1E+30',
    '1e30',
    '"\\/"',
    '"\\u001F"',
    '"\\u00e9"',
    '{"a":[1,2,{"b":null}]}',
    '"\u007f"',
    '"\\u001f"',
    ' 1',
    '[1,]',
  ])
    agree(t);
});

test('canonicalize is JSON.stringify with sorted members, and refuses exactly the ill-formed strings', async () => {
  const fc = await import('fast-check');
  // ECMAScript's JSON.stringify is RFC 8785's serializer for well-formed strings and finite numbers.
  // (A replacer cannot sort: objects list integer-like keys first whatever the insertion order.)
  const sortedStringify = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(sortedStringify).join(',')}]`;
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    const keys = Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const o = v as Record<string, unknown>;
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedStringify(o[k])}`).join(',')}}`;
  };
  fc.assert(
    fc.property(fc.jsonValue({ depthSize: 'small' }), (v) => {
      assert.equal(canonicalize(v), sortedStringify(v));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 8 }), (s) => {
      const wellFormed = Buffer.from(s, 'utf8').toString('utf8') === s;
      if (wellFormed) assert.equal(canonicalize({ [s]: s }), `{${JSON.stringify(s)}:${JSON.stringify(s)}}`);
      else {
        assert.throws(() => canonicalize(s), /lone surrogate/);
        // As a member name too, every time: a refused name is never remembered.
        for (let i = 0; i < 2; i++) assert.throws(() => canonicalize({ [s]: 1 }), /lone surrogate/);
      }
    }),
    { numRuns: 2000 },
  );
  // Many members, some needing escapes, and long names and values (past the length where the
  // writer hands a string to Buffer#write in one call, with and without an escape in it).
  const many: Record<string, string> = {};
  for (let i = 0; i < 2500; i++) many[`k${i}${i % 7 === 0 ? '"\n' : ''}`] = `v${i}é`;
  many['x'.repeat(300)] = 'y'.repeat(300);
  many['z'.repeat(300)] = `${'é'.repeat(299)}"`;
  many['€'.repeat(300)] = '😀'.repeat(300);
  for (let i = 0; i < 2; i++) assert.equal(canonicalize(many), sortedStringify(many));
  // Member orders are remembered per name sequence: objects sharing a first name but not the
  // rest, the same names in another order, more sequences than the bound, and wide objects.
  const objects: Record<string, number>[] = [];
  for (let i = 0; i < MEMBER_ORDER_CACHE_SIZE + 50; i++) {
    objects.push({ a: 1, [`z${i}`]: 2, m: 3 }, { a: 1, m: 3, [`z${i}`]: 2 }, { m: 3, a: 1 });
  }
  const wide: Record<string, number> = {};
  for (let i = MEMBER_ORDER_CACHE_MAX_MEMBERS + 5; i > 0; i--) wide[`w${i}`] = i;
  objects.push(wide);
  for (let round = 0; round < 2; round++)
    for (const o of objects) assert.equal(canonicalize(o), sortedStringify(o));
});

test('a record encoded in one buffer carries exactly taggedEventData and its digest', async () => {
  const fc = await import('fast-check');
  const name = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/);
  const content = fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => !s.includes('\n'));
  fc.assert(
    fc.property(name, name, content, fc.constantFrom(SHA256, SHA384), (domain, operation, text, alg) => {
      const e = { domain, operation, content: text };
      const { bytes, digest: d } = encodeRecord(3, alg, e);
      const data = taggedEventData(e);
      assert.deepEqual(d, digest(alg, data));
      const parsed = parseLog(bytes);
      assert.equal(parsed.tail, 'clean');
      assert.deepEqual(parsed.records[0]?.eventData, data);
      assert.deepEqual(parsed.records[0]?.digest, d);
    }),
    { numRuns: 300 },
  );
});

test('canonicalizeWithMember is canonicalize of the object with that member added', async () => {
  const fc = await import('fast-check');
  const { canonicalizeWithMember } = await import('../index.js');
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
      fc.string({ maxLength: 6 }),
      fc.jsonValue({ maxDepth: 2 }),
      (obj, key, value) => {
        if (Object.hasOwn(obj, key)) {
          assert.throws(() => canonicalizeWithMember(obj, key, value), /already set/);
          return;
        }
        assert.equal(canonicalizeWithMember(obj, key, value), canonicalize({ ...obj, [key]: value }));
      },
    ),
    { numRuns: 500 },
  );
});
