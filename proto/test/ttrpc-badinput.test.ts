import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { Client, decodeResponse, encodeHeader, FrameReader, TtrpcError } from '../ttrpc/index.js';
import { Harness, utf8 } from './ttrpc-harness.js';

const h = new Harness({
  'test.Echo': {
    Echo: (p) => p,
    Stream: { streamingClient: true, streamingServer: true, handler: async (s) => void (await s.recv()) },
  },
});
before(() => h.start());
after(() => h.stop());

const RUNS = 40;

interface Answer {
  readonly streamId: number;
  readonly code: number | undefined;
  readonly message: string;
}

/** Sends bytes on a fresh connection; collects the server's answers until `expected` arrived. */
async function sendRaw(bytes: Buffer, expected: number): Promise<Answer[]> {
  const socket: Socket = netConnect(h.path);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const answers: Answer[] = [];
  const reader = new FrameReader({
    onFrame: (streamId, type, _flags, body) => {
      assert.equal(type, 2, 'the server answers only with Responses here');
      const st = decodeResponse(body).status;
      answers.push({ streamId, code: st?.code, message: st?.message ?? '' });
    },
    onOversized: () => assert.fail('server sent an oversized frame'),
  });
  socket.on('data', (d: Buffer) => reader.push(d));
  socket.on('error', () => undefined);
  socket.write(bytes);
  for (let i = 0; i < 200 && answers.length < expected; i++) await new Promise((r) => setTimeout(r, 5));
  socket.destroy();
  return answers;
}

/** How many frame headers (complete or oversized) a byte string contains. */
function countFrames(bytes: Buffer): number {
  let n = 0;
  const r = new FrameReader({ onFrame: () => n++, onOversized: () => n++ });
  r.push(bytes);
  return n;
}

async function serverStillServes(): Promise<void> {
  const c = await h.client();
  assert.equal(Buffer.from(await c.call('test.Echo', 'Echo', utf8('alive'))).toString(), 'alive');
  c.close();
}

const garbageFrame = fc.record({
  streamId: fc.oneof(fc.nat({ max: 20 }), fc.nat({ max: 0xffff_ffff })),
  type: fc.oneof(fc.constantFrom(1, 2, 3), fc.nat({ max: 255 })),
  flags: fc.nat({ max: 255 }),
  body: fc.uint8Array({ maxLength: 48 }),
});

test('property: structured garbage frames each get a status with a message; the server keeps serving', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(garbageFrame, { minLength: 1, maxLength: 8 }), async (frames) => {
      const bytes = Buffer.concat(
        frames.flatMap((f) => [encodeHeader({ length: f.body.length, ...f }), Buffer.from(f.body)]),
      );
      const answers = await sendRaw(bytes, frames.length);
      // Every frame is answered, except Data that a still-open stream legitimately consumed.
      assert.ok(answers.length <= frames.length);
      for (const a of answers) {
        assert.notEqual(a.code ?? 0, 0, `stream ${a.streamId} got OK for garbage`);
        assert.ok(a.message.length > 0, `stream ${a.streamId} got a status without a message`);
      }
      const requests = frames.filter((f) => f.type !== 3).length;
      assert.ok(answers.length >= requests, `answered ${answers.length} of ${requests} non-Data frames`);
    }),
    { numRuns: RUNS },
  );
  await serverStillServes();
});

test('property: random bytes, including oversized and truncated frames, never take the server down', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (raw) => {
      const bytes = Buffer.from(raw);
      const answers = await sendRaw(bytes, countFrames(bytes));
      for (const a of answers) {
        assert.notEqual(a.code ?? 0, 0);
        assert.ok(a.message.length > 0);
      }
    }),
    { numRuns: RUNS },
  );
  await serverStillServes();
});

test('property: a server answering garbage never crashes the client; every pending call settles', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-garbage-'));
  try {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.boolean(), async (raw, close) => {
        const path = join(dir, 'g.sock');
        const srv = createServer((s) => {
          s.on('error', () => undefined);
          s.once('data', () => {
            s.write(Buffer.from(raw));
            if (close) s.end();
          });
        });
        await new Promise<void>((r) => srv.listen(path, r));
        const sock = netConnect(path);
        await new Promise<void>((r) => sock.once('connect', () => r()));
        const client = new Client(sock);
        const calls = [1, 2, 3].map(() => client.call('test.Echo', 'Echo', utf8('x'), { timeoutMs: 100 }));
        const settled = await Promise.allSettled(calls);
        for (const s of settled) {
          if (s.status === 'rejected') assert.ok(s.reason instanceof TtrpcError, String(s.reason));
        }
        client.close();
        await new Promise<void>((r) => srv.close(() => r()));
      }),
      { numRuns: RUNS },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
