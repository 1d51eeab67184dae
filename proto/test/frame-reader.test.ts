import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeHeader, FrameReader, HEADER_LENGTH, TtrpcError, TtrpcErrorCode } from '../ttrpc/index.js';

interface Seen {
  streamId: number;
  type: number;
  flags: number;
  body?: Buffer;
  oversized?: number;
}

const MAX = 256;

function reader(max = MAX): { r: FrameReader; seen: Seen[]; peak: () => number; push: (b: Buffer) => void } {
  const seen: Seen[] = [];
  let peak = 0;
  const r = new FrameReader(
    {
      onFrame: (streamId, type, flags, body) => {
        assert.ok(body.length <= max);
        seen.push({ streamId, type, flags, body: Buffer.from(body) });
      },
      onOversized: (streamId, type, flags, length) => seen.push({ streamId, type, flags, oversized: length }),
    },
    max,
  );
  const push = (b: Buffer): void => {
    r.push(b);
    peak = Math.max(peak, r.bufferedBytes);
  };
  return { r, seen, peak: () => peak, push };
}

function chunked(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) {
    if (p > prev) out.push(buf.subarray(prev, p));
    prev = Math.max(prev, p);
  }
  return out;
}

const frameArb = fc.record({
  streamId: fc.nat({ max: 0xffff_ffff }),
  type: fc.nat({ max: 255 }),
  flags: fc.nat({ max: 255 }),
  body: fc.uint8Array({ maxLength: MAX + 40 }),
});

function serialize(frames: { streamId: number; type: number; flags: number; body: Uint8Array }[]): Buffer {
  return Buffer.concat(
    frames.flatMap((f) => [encodeHeader({ length: f.body.length, ...f }), Buffer.from(f.body)]),
  );
}

test('property: any chunking of valid frames yields the same frames; oversized bodies are skipped', () => {
  fc.assert(
    fc.property(
      fc.array(frameArb, { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (frames, cuts) => {
        const { r, seen, peak, push } = reader();
        for (const c of chunked(serialize(frames), cuts)) push(c);
        assert.equal(r.end(), undefined);
        assert.equal(seen.length, frames.length);
        frames.forEach((f, i) => {
          const s = seen[i]!;
          assert.deepEqual([s.streamId, s.type, s.flags], [f.streamId, f.type, f.flags]);
          if (f.body.length > MAX) assert.equal(s.oversized, f.body.length);
          else assert.deepEqual(s.body, Buffer.from(f.body));
        });
        assert.ok(peak() <= MAX + HEADER_LENGTH, `held ${peak()} bytes`);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: garbage never throws, never holds more than the limit, and ends cleanly or with one clear error', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), fc.array(fc.nat(), { maxLength: 20 }), (bytes, cuts) => {
      const { r, peak, push } = reader();
      for (const c of chunked(Buffer.from(bytes), cuts)) push(c);
      const err = r.end();
      assert.ok(err === undefined || (err instanceof TtrpcError && err.code === TtrpcErrorCode.PROTOCOL));
      if (err !== undefined) assert.match(err.message, /connection ended inside a frame/);
      assert.ok(peak() <= MAX + HEADER_LENGTH);
      assert.equal(r.end(), undefined, 'the reader resets after reporting');
    }),
    { numRuns: 300 },
  );
});

test('property: a truncated stream delivers the whole frames before the cut and reports the cut', () => {
  fc.assert(
    fc.property(fc.array(frameArb, { minLength: 1, maxLength: 6 }), fc.nat(), (frames, cutSeed) => {
      const buf = serialize(frames);
      const boundaries = new Set<number>([0]);
      let off = 0;
      for (const f of frames) boundaries.add((off += HEADER_LENGTH + f.body.length));
      const cut = cutSeed % buf.length;
      fc.pre(!boundaries.has(cut));
      const { r, seen, push } = reader();
      push(buf.subarray(0, cut));
      const whole = [...boundaries].filter((b) => b > 0 && b <= cut).length;
      const err = r.end();
      assert.ok(err instanceof TtrpcError);
      assert.equal(err.code, TtrpcErrorCode.PROTOCOL);
      // An oversized frame whose header arrived is reported before its body is complete.
      assert.ok(seen.length === whole || seen.length === whole + 1);
    }),
    { numRuns: 300 },
  );
});

test('property: lengths up to 2^32-1 are discarded without buffering, and the next frame still parses', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: MAX + 1, max: 0xffff_ffff }),
      fc.uint8Array({ maxLength: 4096 }),
      (length, some) => {
        const { r, seen, peak, push } = reader();
        push(encodeHeader({ length, streamId: 7, type: 1, flags: 0 }));
        push(Buffer.from(some));
        assert.deepEqual(seen, [{ streamId: 7, type: 1, flags: 0, oversized: length }]);
        assert.ok(peak() <= HEADER_LENGTH);
        assert.ok(r.end() instanceof TtrpcError);
      },
    ),
    { numRuns: 200 },
  );
  // With the default 4 MiB limit: a 2^32-1 claim, then exactly that many bytes, then a good frame.
  const { seen, push, peak } = reader(4 << 20);
  const huge = 0xffff_ffff;
  push(encodeHeader({ length: huge, streamId: 1, type: 1, flags: 0 }));
  const block = Buffer.alloc(1 << 20);
  let left = huge;
  while (left > 0) {
    const n = Math.min(left, block.length);
    push(block.subarray(0, n));
    left -= n;
  }
  push(Buffer.concat([encodeHeader({ length: 2, streamId: 3, type: 1, flags: 0 }), Buffer.from('ok')]));
  assert.equal(seen.length, 2);
  assert.equal(seen[1]?.body?.toString(), 'ok');
  assert.ok(peak() <= HEADER_LENGTH);
});
