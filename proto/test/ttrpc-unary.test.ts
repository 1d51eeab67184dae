import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type CallContext,
  decodeResponse,
  HEADER_LENGTH,
  isClosedError,
  MAX_MESSAGE_LENGTH,
  metadataFromRecord,
  StatusCode,
  statusError,
  TtrpcError,
  TtrpcErrorCode,
} from '../ttrpc/index.js';
import { Harness, text, utf8 } from './ttrpc-harness.js';

const seen: { signal: AbortSignal | undefined } = { signal: undefined };
const seenSignal = (): AbortSignal | undefined => seen.signal;
let blockedCalls: (() => void)[] = [];

const h = new Harness({
  'test.Echo': {
    Echo: (p) => p,
    Meta: (_p, ctx: CallContext) => utf8(JSON.stringify({ k: ctx.getMetadata('K'), all: ctx.metadata })),
    NotFound: () => {
      throw statusError(StatusCode.NOT_FOUND, 'no such thing', [{ typeUrl: 't/x', value: utf8('d') }]);
    },
    Plain: () => {
      throw new Error('plain failure');
    },
    Async: async (p) => {
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5)));
      return p;
    },
    Hang: (_p, ctx) => {
      seen.signal = ctx.signal;
      return new Promise<Uint8Array>((resolve) => {
        ctx.signal.addEventListener('abort', () => resolve(utf8('late')));
      });
    },
    Block: () =>
      new Promise<Uint8Array>((resolve) => {
        blockedCalls.push(() => resolve(utf8('unblocked')));
      }),
    Big: (p) => Buffer.alloc(Buffer.from(p).readUInt32BE(0), 0x61),
    Deadline: (_p, ctx) => utf8(String(ctx.deadline !== undefined && ctx.deadline > Date.now())),
  },
});

before(() => h.start());
after(() => h.stop());

async function rejects(
  p: Promise<unknown>,
  code: string | readonly string[],
  grpcCode: number,
): Promise<TtrpcError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TtrpcError, `expected TtrpcError, got ${String(err)}`);
    assert.ok(([] as string[]).concat(code).includes(err.code), `${err.code}: ${err.message}`);
    assert.equal(err.grpcCode, grpcCode, err.message);
    return err;
  }
  assert.fail('call succeeded');
}

test('unary round trip, including empty payloads', async () => {
  const c = await h.client();
  assert.equal(text(await c.call('test.Echo', 'Echo', utf8('hello'))), 'hello');
  assert.equal((await c.call('test.Echo', 'Echo', new Uint8Array(0))).length, 0);
});

test('metadata reaches the handler, several values per key, keys case-insensitive', async () => {
  const c = await h.client();
  const md = [...metadataFromRecord({ k: ['1', '2'] }), { key: 'Other', value: 'x' }];
  const out = JSON.parse(text(await c.call('test.Echo', 'Meta', new Uint8Array(0), { metadata: md })));
  assert.deepEqual(out.k, ['1', '2']);
  assert.deepEqual(out.all, [
    { key: 'k', value: '1' },
    { key: 'k', value: '2' },
    { key: 'Other', value: 'x' },
  ]);
});

test('error statuses cross the wire with code, message and details', async () => {
  const c = await h.client();
  const err = await rejects(c.call('test.Echo', 'NotFound', new Uint8Array(0)), TtrpcErrorCode.STATUS, 5);
  assert.equal(err.message, 'no such thing');
  assert.equal(err.grpcCodeName, 'NOT_FOUND');
  assert.equal(err.details[0]?.typeUrl, 't/x');
  const plain = await rejects(c.call('test.Echo', 'Plain', new Uint8Array(0)), TtrpcErrorCode.STATUS, 2);
  assert.equal(plain.message, 'plain failure');
});

test('unknown service and unknown method answer UNIMPLEMENTED', async () => {
  const c = await h.client();
  const a = await rejects(
    c.call('test.Nope', 'X', new Uint8Array(0)),
    TtrpcErrorCode.STATUS,
    StatusCode.UNIMPLEMENTED,
  );
  assert.match(a.message, /service test\.Nope/);
  const b = await rejects(
    c.call('test.Echo', 'X', new Uint8Array(0)),
    TtrpcErrorCode.STATUS,
    StatusCode.UNIMPLEMENTED,
  );
  assert.match(b.message, /method test\.Echo\/X/);
});

test('client deadline: the call fails with DEADLINE_EXCEEDED and the server aborts the handler', async () => {
  const c = await h.client();
  seen.signal = undefined;
  await rejects(
    c.call('test.Echo', 'Hang', new Uint8Array(0), { timeoutMs: 30 }),
    // Whichever comes first: the local timer, or the server's own DEADLINE_EXCEEDED answer.
    [TtrpcErrorCode.DEADLINE, TtrpcErrorCode.STATUS],
    4,
  );
  for (let i = 0; i < 100 && !seenSignal()?.aborted; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(seenSignal()?.aborted, true);
  assert.ok(seenSignal()?.reason instanceof TtrpcError);
  assert.equal((seenSignal()?.reason as TtrpcError | undefined)?.grpcCode, StatusCode.DEADLINE_EXCEEDED);
  // The connection is still fine.
  assert.equal(text(await c.call('test.Echo', 'Echo', utf8('ok'))), 'ok');
});

test('server deadline: timeout_nano makes the server answer DEADLINE_EXCEEDED itself', async () => {
  const raw = await h.raw();
  raw.request(1, 'test.Echo', 'Hang', new Uint8Array(0), { timeoutNano: 20_000_000 });
  const f = await raw.next();
  assert.equal(f.streamId, 1);
  assert.equal(f.type, 2);
  const res = decodeResponse(f.body);
  assert.equal(res.status?.code, StatusCode.DEADLINE_EXCEEDED);
  assert.equal(res.status?.message, 'deadline exceeded');
  // A negative timeout is already expired: answered without running the handler.
  raw.request(3, 'test.Echo', 'Echo', utf8('x'), { timeoutNano: -5 });
  assert.equal(decodeResponse((await raw.next()).body).status?.code, StatusCode.DEADLINE_EXCEEDED);
  raw.request(5, 'test.Echo', 'Deadline', new Uint8Array(0), { timeoutNano: 60_000_000_000 });
  assert.equal(text(decodeResponse((await raw.next()).body).payload), 'true');
  raw.close();
});

test('abort signals cancel calls locally; pre-aborted and zero timeouts fail at once', async () => {
  const c = await h.client();
  const ac = new AbortController();
  const p = c.call('test.Echo', 'Hang', new Uint8Array(0), { signal: ac.signal });
  ac.abort(new Error('user'));
  await rejects(p, TtrpcErrorCode.CANCELLED, StatusCode.CANCELLED);
  await rejects(c.call('test.Echo', 'Echo', utf8('x'), { signal: ac.signal }), TtrpcErrorCode.CANCELLED, 1);
  await rejects(c.call('test.Echo', 'Echo', utf8('x'), { timeoutMs: 0 }), TtrpcErrorCode.DEADLINE, 4);
});

test('1,000 concurrent calls on one connection, answered out of order, each matched by stream id', async () => {
  const c = await h.client();
  const calls = Array.from({ length: 1000 }, (_, i) => c.call('test.Echo', 'Async', utf8(`call-${i}`)));
  const results = await Promise.all(calls);
  for (const [i, r] of results.entries()) assert.equal(text(r), `call-${i}`);
  assert.equal(c.pendingCalls, 0);
});

test('payload limit: an envelope of exactly 4 MiB passes, one byte more is refused locally', async () => {
  const c = await h.client();
  // envelope = service(1+1+9) + method(1+1+4) + payload(1+4+n)
  const overhead = 11 + 6 + 5;
  const max = MAX_MESSAGE_LENGTH - overhead;
  const ok = await c.call('test.Echo', 'Echo', Buffer.alloc(max, 0x5a));
  assert.equal(ok.length, max);
  await rejects(c.call('test.Echo', 'Echo', Buffer.alloc(max + 1)), TtrpcErrorCode.OVERSIZED, 8);
  assert.equal(text(await c.call('test.Echo', 'Echo', utf8('still up'))), 'still up');
});

test('an oversized response becomes RESOURCE_EXHAUSTED for that call only', async () => {
  const c = await h.client();
  const size = Buffer.alloc(4);
  size.writeUInt32BE(MAX_MESSAGE_LENGTH);
  const err = await rejects(
    c.call('test.Echo', 'Big', size),
    TtrpcErrorCode.STATUS,
    StatusCode.RESOURCE_EXHAUSTED,
  );
  assert.match(err.message, /exceeds maximum message size of 4194304/);
  size.writeUInt32BE(MAX_MESSAGE_LENGTH - 16);
  assert.equal((await c.call('test.Echo', 'Big', size)).length, MAX_MESSAGE_LENGTH - 16);
});

test('an oversized request frame is discarded unbuffered and answered RESOURCE_EXHAUSTED; the connection stays up', async () => {
  const raw = await h.raw();
  const length = MAX_MESSAGE_LENGTH + 1;
  raw.send(1, 1, 0, Buffer.alloc(length, 0x20));
  const f = await raw.next();
  assert.equal(f.streamId, 1);
  const st = decodeResponse(f.body).status;
  assert.equal(st?.code, StatusCode.RESOURCE_EXHAUSTED);
  assert.match(st?.message ?? '', /4194305 exceeds maximum message size of 4194304/);
  raw.request(3, 'test.Echo', 'Echo', utf8('after'));
  const g = await raw.next();
  assert.equal(g.streamId, 3);
  assert.equal(text(decodeResponse(g.body).payload), 'after');
  raw.close();
});

test('bad stream ids, stray frames and garbage are each answered with a status and a message', async () => {
  const raw = await h.raw();
  const expect = async (streamId: number, code: number, pattern: RegExp): Promise<void> => {
    const f = await raw.next();
    assert.equal(f.streamId, streamId);
    assert.equal(f.type, 2);
    const st = decodeResponse(f.body).status;
    assert.equal(st?.code ?? StatusCode.OK, code, st?.message);
    assert.match(st?.message ?? '', pattern);
  };
  raw.request(2, 'test.Echo', 'Echo', utf8('x'));
  await expect(2, StatusCode.INVALID_ARGUMENT, /even/);
  raw.request(7, 'test.Echo', 'Echo', utf8('x'));
  await expect(7, StatusCode.OK, /^$/);
  raw.request(7, 'test.Echo', 'Echo', utf8('x'));
  await expect(7, StatusCode.INVALID_ARGUMENT, /reused/);
  raw.request(5, 'test.Echo', 'Echo', utf8('x'));
  await expect(5, StatusCode.INVALID_ARGUMENT, /reused/);
  raw.send(9, 3, 0, utf8('data'));
  await expect(9, StatusCode.INVALID_ARGUMENT, /not active/);
  raw.send(11, 0x7f, 0, utf8('?'));
  await expect(11, StatusCode.INVALID_ARGUMENT, /unknown message type 0x7f/);
  raw.send(13, 2, 0, new Uint8Array(0));
  await expect(13, StatusCode.INVALID_ARGUMENT, /response/);
  raw.send(15, 1, 0, Buffer.from([0x0a, 0x10, 0x41]));
  await expect(15, StatusCode.INVALID_ARGUMENT, /invalid request/);
  raw.send(17, 1, 0, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
  await expect(17, StatusCode.INVALID_ARGUMENT, /invalid request/);
  raw.request(19, 'test.Echo', 'Echo', utf8('alive'));
  const f = await raw.next();
  assert.equal(text(decodeResponse(f.body).payload), 'alive');
  raw.close();
});

test('a truncated frame followed by EOF closes only that connection', async () => {
  const raw = await h.raw();
  raw.socket.end(Buffer.from([0, 0, 0, 50, 0, 0, 0, 1, 1, 0, 1, 2]));
  await raw.waitClosed();
  const c = await h.client();
  assert.equal(text(await c.call('test.Echo', 'Echo', utf8('fine'))), 'fine');
});

test('when the connection drops, every pending call fails at once with a closed error', async () => {
  const c = await h.client();
  blockedCalls = [];
  const pending = Array.from({ length: 10 }, () => c.call('test.Echo', 'Block', new Uint8Array(0)));
  for (let i = 0; i < 100 && blockedCalls.length < 10; i++) await new Promise((r) => setTimeout(r, 5));
  c.conn.socket.destroy();
  const results = await Promise.allSettled(pending);
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.ok(isClosedError(r.reason));
    assert.equal((r.reason as TtrpcError).grpcCode, StatusCode.UNAVAILABLE);
  }
  await rejects(c.call('test.Echo', 'Echo', utf8('x')), TtrpcErrorCode.CLOSED, StatusCode.UNAVAILABLE);
  for (const b of blockedCalls) b();
});

test('the server answers header-only frames for every message type without crashing', async () => {
  const raw = await h.raw();
  for (let t = 0; t < 8; t++) raw.send(101 + 2 * t, t, 0xff, new Uint8Array(0));
  for (let t = 0; t < 8; t++) {
    const f = await raw.next();
    assert.equal(f.type, 2);
    assert.ok((decodeResponse(f.body).status?.message ?? '').length > 0);
  }
  assert.equal(HEADER_LENGTH, 10);
  raw.close();
});
