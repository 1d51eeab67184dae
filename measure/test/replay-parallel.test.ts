import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeRecord,
  type HashAlg,
  PARALLEL_REPLAY_MIN_BYTES,
  type ReplayOptions,
  type ReplayResult,
  replayBytes,
  SHA256,
  SHA384,
} from '../index.js';

// The parallel replay (worker threads check chunks of records while the main thread extends)
// must give exactly what the single-threaded one gives: values, count, first broken record and
// its message. Logs span several chunks (2048 records each) so workers take part.
const RECORDS = 7000;

/** mulberry32: a seeded generator, so a failure can be replayed from the seed in its message. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildRecords(alg: HashAlg, n: number, mr: (i: number) => number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const content = `{"decision":"allow","rpc":"ExecProcessRequest","seq":${i}}`;
    out.push(encodeRecord(mr(i), alg, { domain: 'ward', operation: 'ExecProcess', content }).bytes);
  }
  return out;
}

function summary(r: ReplayResult): unknown {
  return {
    alg: r.alg?.name,
    replayed: r.replayed,
    problem: r.problem,
    values: [...r.values.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, v.toString('hex')]),
  };
}

function same(bytes: Buffer, opts: ReplayOptions, what: string): ReplayResult {
  const one = replayBytes(bytes, { ...opts, workers: 0 });
  const par = replayBytes(bytes, { ...opts, workers: 2 });
  assert.deepEqual(summary(par), summary(one), what);
  return one;
}

const sha384Records = buildRecords(SHA384, RECORDS, () => 4);
const sha384Log = Buffer.concat(sha384Records);

test('the parallel threshold is a size, and an intact log replays identically on both paths', () => {
  assert.ok(PARALLEL_REPLAY_MIN_BYTES > 0);
  const r = same(sha384Log, { alg: SHA384, mrIndex: 4 }, 'intact');
  assert.equal(r.problem, undefined);
  assert.equal(r.replayed, RECORDS);
  // The default path (no `workers`) agrees too.
  assert.deepEqual(summary(replayBytes(sha384Log, { alg: SHA384, mrIndex: 4 })), summary(r));
});

test('a byte flipped at a random position: both paths name the same record and values', () => {
  const seed = Date.now() >>> 0;
  const rand = rng(seed);
  for (let round = 0; round < 6; round++) {
    const bytes = Buffer.from(sha384Log);
    const pos = Math.floor(rand() * bytes.length);
    bytes[pos] = bytes[pos]! ^ (1 + Math.floor(rand() * 255));
    // The record holding the flipped byte.
    let k = 0;
    for (let off = 0; off + sha384Records[k]!.length <= pos; k++) off += sha384Records[k]!.length;
    const r = same(bytes, { alg: SHA384, mrIndex: 4 }, `seed ${seed} round ${round} pos ${pos}`);
    assert.equal(r.problem?.index, k, `seed ${seed} round ${round} pos ${pos}: ${r.problem?.message}`);
    assert.equal(r.replayed, k);
  }
});

test('dropped, reordered and non-canonical records and a torn tail: same result on both paths', () => {
  const seed = Date.now() >>> 0;
  const rand = rng(seed);
  const k = 1 + Math.floor(rand() * (RECORDS - 2));
  const dropped = Buffer.concat(sha384Records.filter((_, i) => i !== k));
  assert.equal(same(dropped, { alg: SHA384 }, `seed ${seed} drop ${k}`).problem?.index, k);
  const swapped = [...sha384Records];
  [swapped[k], swapped[k + 1]] = [swapped[k + 1]!, swapped[k]!];
  assert.equal(same(Buffer.concat(swapped), {}, `seed ${seed} swap ${k}`).problem?.index, k);
  const loose = [...sha384Records];
  loose[k] = encodeRecord(4, SHA384, {
    domain: 'ward',
    operation: 'X',
    content: `{"seq":${k},"b":1,"a":2}`,
  }).bytes;
  const r = same(Buffer.concat(loose), { alg: SHA384 }, `seed ${seed} non-canonical ${k}`);
  assert.match(r.problem?.message ?? '', /canonical/);
  // Without the canonical check the same log replays to the end.
  assert.equal(same(Buffer.concat(loose), { canonical: false }, 'canonical off').problem, undefined);
  const cut = Math.floor(rand() * sha384Log.length);
  const torn = same(sha384Log.subarray(0, cut), {}, `seed ${seed} cut at ${cut}`);
  assert.ok(torn.problem, `seed ${seed} cut at ${cut}`);
});

test('SHA-256 logs, several MR indexes and another algorithm requested: same result on both paths', () => {
  const mixed = Buffer.concat(buildRecords(SHA256, RECORDS, (i) => (i % 3 === 0 ? 1 : 4)));
  const r = same(mixed, { tpm: true }, 'sha256, MR 1 and 4');
  assert.equal(r.values.size, 2);
  assert.equal(r.problem, undefined);
  assert.equal(same(mixed, { mrIndex: 4 }, 'MR 4 only').problem?.index, 0);
  assert.match(same(sha384Log, { alg: SHA256 }, 'alg').problem?.message ?? '', /another algorithm/);
  assert.equal(same(Buffer.alloc(0), {}, 'empty').replayed, 0);
});
