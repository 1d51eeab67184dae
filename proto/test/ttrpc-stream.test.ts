import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  decodeResponse,
  Flag,
  MessageType,
  type ServerStream,
  StatusCode,
  statusError,
  TtrpcError,
  TtrpcErrorCode,
} from '../ttrpc/index.js';
import { Harness, text, utf8 } from './ttrpc-harness.js';

const SERVER = { streamingClient: false, streamingServer: true } as const;
const CLIENT = { streamingClient: true, streamingServer: false } as const;
const BIDI = { streamingClient: true, streamingServer: true } as const;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const h = new Harness({
  'test.Stream': {
    Count: {
      ...SERVER,
      handler: async (s: ServerStream) => {
        const n = Number(text(await s.recv()));
        for (let i = 0; i < n; i++) await s.send(utf8(String(i)));
        return undefined;
      },
    },
    CountThenFail: {
      ...SERVER,
      handler: async (s: ServerStream) => {
        await s.send(utf8('a'));
        await s.send(utf8('b'));
        throw statusError(StatusCode.ABORTED, 'gave up');
      },
    },
    Sum: {
      ...CLIENT,
      handler: async (s: ServerStream) => {
        let total = 0;
        let i = 0;
        for await (const m of s) {
          total += Number(text(m));
          if (++i % 50 === 0) await sleep(1);
        }
        return utf8(String(total));
      },
    },
    Echo: {
      ...BIDI,
      handler: async (s: ServerStream) => {
        for await (const m of s) await s.send(Buffer.concat([utf8('echo:'), m]));
        return undefined;
      },
    },
    Hang: { ...SERVER, handler: () => new Promise<undefined>(() => undefined) },
  },
});

before(() => h.start());
after(() => h.stop());

test('server streaming: messages in order, then the end', async () => {
  const c = await h.client();
  const s = c.stream('test.Stream', 'Count', SERVER, { payload: utf8('5') });
  const got: string[] = [];
  for await (const m of s) got.push(text(m));
  assert.deepEqual(got, ['0', '1', '2', '3', '4']);
  assert.equal(c.pendingCalls, 0);
});

test('server streaming ends with the error status after the messages sent before it', async () => {
  const c = await h.client();
  const s = c.stream('test.Stream', 'CountThenFail', SERVER, { payload: new Uint8Array(0) });
  assert.equal(text(await s.recv()), 'a');
  assert.equal(text(await s.recv()), 'b');
  await assert.rejects(
    s.recv(),
    (e: unknown) => e instanceof TtrpcError && e.grpcCode === StatusCode.ABORTED && e.message === 'gave up',
  );
});

test('client streaming: 1,000 messages, a slow consumer, one response', async () => {
  const c = await h.client();
  const s = c.stream('test.Stream', 'Sum', CLIENT);
  let expected = 0;
  for (let i = 0; i < 1000; i++) {
    expected += i;
    await s.send(utf8(String(i)));
  }
  assert.equal(text(await s.closeAndRecv()), String(expected));
});

test('bidirectional streaming: ping-pong, then close from the client', async () => {
  const c = await h.client();
  const s = c.stream('test.Stream', 'Echo', BIDI);
  for (const w of ['a', 'b', 'c']) {
    await s.send(utf8(w));
    assert.equal(text(await s.recv()), `echo:${w}`);
  }
  await s.closeSend();
  assert.equal(await s.recv(), undefined);
  await assert.rejects(
    s.send(utf8('late')),
    (e: unknown) => e instanceof TtrpcError && e.code === TtrpcErrorCode.STREAM_CLOSED,
  );
});

test('many server messages to a slow reader arrive complete and in order (read back-pressure)', async () => {
  const c = await h.client();
  const s = c.stream('test.Stream', 'Count', SERVER, { payload: utf8('2000') });
  let i = 0;
  for await (const m of s) {
    assert.equal(text(m), String(i++));
    if (i % 200 === 0) await sleep(2);
  }
  assert.equal(i, 2000);
});

test('stream deadline fails recv with DEADLINE_EXCEEDED', async () => {
  const c = await h.client();
  const s = c.stream('test.Stream', 'Hang', SERVER, { payload: new Uint8Array(0), timeoutMs: 30 });
  await assert.rejects(
    s.recv(),
    (e: unknown) => e instanceof TtrpcError && e.grpcCode === StatusCode.DEADLINE_EXCEEDED,
  );
});

test('wire flags: Request[remote-closed] for server streams, Data[remote-closed|no-data] at the end', async () => {
  const raw = await h.raw();
  raw.request(1, 'test.Stream', 'Count', utf8('2'), { flags: Flag.RemoteClosed });
  const a = await raw.next();
  const b = await raw.next();
  const end = await raw.next();
  assert.deepEqual([a.type, a.flags, text(a.body)], [MessageType.Data, 0, '0']);
  assert.deepEqual([b.type, b.flags, text(b.body)], [MessageType.Data, 0, '1']);
  assert.deepEqual(
    [end.type, end.flags, end.body.length],
    [MessageType.Data, Flag.RemoteClosed | Flag.NoData, 0],
  );
  raw.close();
});

test('wire flags: Request[remote-open], Data, Data[remote-closed|no-data], then a Response', async () => {
  const raw = await h.raw();
  raw.request(1, 'test.Stream', 'Sum', new Uint8Array(0), { flags: Flag.RemoteOpen });
  raw.send(1, MessageType.Data, 0, utf8('40'));
  raw.send(1, MessageType.Data, 0, utf8('2'));
  raw.send(1, MessageType.Data, Flag.RemoteClosed | Flag.NoData, new Uint8Array(0));
  const r = await raw.next();
  assert.equal(r.type, MessageType.Response);
  assert.equal(text(decodeResponse(r.body).payload), '42');
  // Data after the stream finished, and Data on a unary-style stream, are refused with a status.
  raw.send(1, MessageType.Data, 0, utf8('1'));
  const late = await raw.next();
  assert.equal(decodeResponse(late.body).status?.code, StatusCode.INVALID_ARGUMENT);
  raw.request(3, 'test.Stream', 'Hang', new Uint8Array(0), { flags: Flag.RemoteClosed });
  raw.send(3, MessageType.Data, 0, utf8('x'));
  const refused = await raw.next();
  assert.equal(refused.streamId, 3);
  assert.match(decodeResponse(refused.body).status?.message ?? '', /takes no client stream/);
  raw.close();
});

test('an empty Data frame without no-data is an empty message', async () => {
  const raw = await h.raw();
  raw.request(1, 'test.Stream', 'Echo', new Uint8Array(0), { flags: Flag.RemoteOpen });
  raw.send(1, MessageType.Data, 0, new Uint8Array(0));
  const r = await raw.next();
  assert.deepEqual([r.type, text(r.body)], [MessageType.Data, 'echo:']);
  raw.send(1, MessageType.Data, Flag.RemoteClosed | Flag.NoData, new Uint8Array(0));
  const end = await raw.next();
  assert.equal(end.flags, Flag.RemoteClosed | Flag.NoData);
  raw.close();
});

test('cancel() abandons a stream locally: recv fails with CANCELLED, later frames are ignored', async () => {
  const c = await h.client();
  const s = c.stream('test.Stream', 'Count', SERVER, { payload: utf8('3') });
  s.cancel();
  await assert.rejects(
    s.recv(),
    (e: unknown) => e instanceof TtrpcError && e.code === TtrpcErrorCode.CANCELLED,
  );
  assert.equal(c.pendingCalls, 0);
  assert.equal(
    text(await c.call('test.Stream', 'Nope', new Uint8Array(0)).catch(() => utf8('refused'))),
    'refused',
  );
});
