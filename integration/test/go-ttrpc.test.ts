import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import {
  type CallContext,
  Client,
  decodeResponse,
  dial,
  encodeHeader,
  FrameReader,
  listen,
  MAX_MESSAGE_LENGTH,
  metadataToRecord,
  Server,
  StatusCode,
  statusError,
  TtrpcError,
  TtrpcErrorCode,
  writeRequestFrame,
} from '../../proto/ttrpc/index.js';
import {
  buildGoTtrpcPeer,
  decodeBytesValue,
  encodeBytesValue,
  GO_PEER_SERVICE,
  type GoPeerServer,
  GoPeerUnavailable,
  runGoPeerClient,
  startGoPeerServer,
} from '../go-peers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-go-ttrpc-'));
const goSocket = join(dir, 'go.sock');
const wardSocket = join(dir, 'ward.sock');
let bin = '';
let skipReason: string | undefined;
let goServer: GoPeerServer | undefined;
let wardServer: Server | undefined;
const abortedSleeps: unknown[] = [];

// Request envelope for Echo(BytesValue of n bytes): service(16) + method(6) + payload tag and
// 4-byte length (5) + BytesValue tag and 4-byte length (5) + n, for n in [2^21, 2^28).
const ECHO_REQUEST_OVERHEAD = 32;
// Response envelope for a BytesValue of n bytes: no status (OK) + payload tag/length (5) + 5 + n.
const BYTES_RESPONSE_OVERHEAD = 10;

const bytes = (s: string): Buffer => encodeBytesValue(Buffer.from(s));
const str = (b: Uint8Array): string => decodeBytesValue(b).toString();

/** Ward's implementation of ward.test.Peer, mirroring the Go server's. */
function wardPeer(): Server {
  const server = new Server();
  server.register(GO_PEER_SERVICE, {
    Echo: (p) => p,
    Metadata: (_p, ctx: CallContext) => bytes(JSON.stringify(metadataToRecord(ctx.metadata))),
    Deadline: (_p, ctx) =>
      bytes(ctx.deadline === undefined ? 'none' : String(Math.round(ctx.deadline - Date.now()))),
    Sleep: (p, ctx) =>
      new Promise<Uint8Array>((resolve, reject) => {
        const t = setTimeout(() => resolve(bytes('slept')), Number(str(p)));
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          abortedSleeps.push(ctx.signal.reason);
          reject(ctx.signal.reason);
        });
      }),
    Fail: (p) => {
      const [code, ...msg] = str(p).split(':');
      throw statusError(Number(code), msg.join(':'));
    },
    Size: (p) => encodeBytesValue(Buffer.alloc(Number(str(p)))),
  });
  return server;
}

before(async () => {
  try {
    bin = await buildGoTtrpcPeer();
  } catch (err) {
    if (err instanceof GoPeerUnavailable) {
      skipReason = err.message;
      return;
    }
    throw err;
  }
  goServer = await startGoPeerServer(bin, goSocket);
  wardServer = wardPeer();
  wardServer.serve(await listen(`unix://${wardSocket}`));
});

after(async () => {
  await goServer?.stop();
  await wardServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

function skipped(t: TestContext): boolean {
  if (skipReason !== undefined) t.skip(skipReason);
  return skipReason !== undefined;
}

async function rejectsWith(
  p: Promise<unknown>,
  code: string | readonly string[],
  grpcCode: number,
): Promise<TtrpcError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TtrpcError, String(err));
    assert.ok(([] as string[]).concat(code).includes(err.code), `${err.code}: ${err.message}`);
    assert.equal(err.grpcCode, grpcCode, err.message);
    return err;
  }
  assert.fail('call succeeded');
}

/** A hand-driven connection to the Go server, for frames Ward's client never sends. */
class Raw {
  readonly frames: { streamId: number; type: number; body: Buffer }[] = [];
  private constructor(readonly socket: Socket) {
    const reader = new FrameReader({
      onFrame: (streamId, type, _flags, body) =>
        this.frames.push({ streamId, type, body: Buffer.from(body) }),
      onOversized: () => assert.fail('oversized frame from Go'),
    });
    socket.on('data', (d: Buffer) => reader.push(d));
  }
  static async open(path: string): Promise<Raw> {
    const s = netConnect(path);
    await new Promise<void>((r) => s.once('connect', () => r()));
    return new Raw(s);
  }
  async next(): Promise<{ streamId: number; type: number; body: Buffer }> {
    for (let i = 0; i < 500 && this.frames.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const f = this.frames.shift();
    assert.ok(f, 'no frame from the Go server');
    return f;
  }
}

test('Ward client → Go server: echo, unknown service and method', async (t) => {
  if (skipped(t)) return;
  const c = await dial(`unix://${goSocket}`);
  assert.equal(str(await c.call(GO_PEER_SERVICE, 'Echo', bytes('hello go'))), 'hello go');
  assert.equal((await c.call(GO_PEER_SERVICE, 'Echo', new Uint8Array(0))).length, 0);
  const m = await rejectsWith(c.call(GO_PEER_SERVICE, 'Nope', new Uint8Array(0)), TtrpcErrorCode.STATUS, 12);
  assert.match(m.message, /Nope/);
  await rejectsWith(c.call('ward.test.Missing', 'X', new Uint8Array(0)), TtrpcErrorCode.STATUS, 12);
  c.close();
});

test('Ward client → Go server: metadata arrives as ttrpc.MD, keys as sent', async (t) => {
  if (skipped(t)) return;
  const c = await dial(`unix://${goSocket}`);
  const out = await c.call(GO_PEER_SERVICE, 'Metadata', new Uint8Array(0), {
    metadata: [
      { key: 'X-Ward-Test', value: 'one' },
      { key: 'x-ward-test', value: 'two' },
      { key: 'other', value: '3' },
    ],
  });
  // Go ttrpc 1.1 groups values by the exact key (ttrpc.MD.Get lower-cases only the lookup key).
  assert.deepEqual(JSON.parse(str(out)), { 'X-Ward-Test': ['one'], 'x-ward-test': ['two'], other: ['3'] });
  c.close();
});

test('Ward client → Go server: timeout_nano becomes the Go context deadline; expiry fails the call', async (t) => {
  if (skipped(t)) return;
  const c = await dial(`unix://${goSocket}`);
  const left = Number(
    str(await c.call(GO_PEER_SERVICE, 'Deadline', new Uint8Array(0), { timeoutMs: 10_000 })),
  );
  assert.ok(left > 9000 && left <= 10_000, `Go saw ${left} ms left`);
  assert.equal(str(await c.call(GO_PEER_SERVICE, 'Deadline', new Uint8Array(0))), 'none');
  await rejectsWith(
    c.call(GO_PEER_SERVICE, 'Sleep', bytes('5000'), { timeoutMs: 100 }),
    // Whichever comes first: the local timer, or Go's own DEADLINE_EXCEEDED answer.
    [TtrpcErrorCode.DEADLINE, TtrpcErrorCode.STATUS],
    4,
  );
  assert.equal(str(await c.call(GO_PEER_SERVICE, 'Echo', bytes('after'))), 'after');
  c.close();
});

test('Go server answers DEADLINE_EXCEEDED itself when timeout_nano passes', async (t) => {
  if (skipped(t)) return;
  const raw = await Raw.open(goSocket);
  writeRequestFrame(raw.socket, 1, 0, {
    service: GO_PEER_SERVICE,
    method: 'Sleep',
    payload: bytes('5000'),
    timeoutNano: 50_000_000,
    metadata: [],
  });
  const f = await raw.next();
  assert.equal(f.streamId, 1);
  const st = decodeResponse(f.body).status;
  assert.equal(st?.code, StatusCode.DEADLINE_EXCEEDED);
  assert.match(st?.message ?? '', /deadline exceeded/);
  raw.socket.destroy();
});

test('Ward client → Go server: error statuses with code and message', async (t) => {
  if (skipped(t)) return;
  const c = await dial(`unix://${goSocket}`);
  const e = await rejectsWith(
    c.call(GO_PEER_SERVICE, 'Fail', bytes('5:container "x" not found')),
    TtrpcErrorCode.STATUS,
    5,
  );
  assert.equal(e.message, 'container "x" not found');
  await rejectsWith(c.call(GO_PEER_SERVICE, 'Fail', bytes('9:precondition')), TtrpcErrorCode.STATUS, 9);
  c.close();
});

test('Ward client → Go server: payloads just under and over 4 MiB, both directions', async (t) => {
  if (skipped(t)) return;
  const c = await dial(`unix://${goSocket}`);
  const under = MAX_MESSAGE_LENGTH - ECHO_REQUEST_OVERHEAD;
  const echoed = await c.call(GO_PEER_SERVICE, 'Echo', encodeBytesValue(Buffer.alloc(under, 1)));
  assert.equal(decodeBytesValue(echoed).length, under);
  await rejectsWith(
    c.call(GO_PEER_SERVICE, 'Echo', encodeBytesValue(Buffer.alloc(under + 1))),
    TtrpcErrorCode.OVERSIZED,
    StatusCode.RESOURCE_EXHAUSTED,
  );
  // Responses: Go 1.1.1 sends whatever it built; Ward takes exactly 4 MiB and refuses one byte more.
  const maxResponse = MAX_MESSAGE_LENGTH - BYTES_RESPONSE_OVERHEAD;
  const big = await c.call(GO_PEER_SERVICE, 'Size', bytes(String(maxResponse)));
  assert.equal(decodeBytesValue(big).length, maxResponse);
  await rejectsWith(
    c.call(GO_PEER_SERVICE, 'Size', bytes(String(maxResponse + 1))),
    TtrpcErrorCode.OVERSIZED,
    StatusCode.RESOURCE_EXHAUSTED,
  );
  assert.equal(str(await c.call(GO_PEER_SERVICE, 'Echo', bytes('still up'))), 'still up');
  c.close();
});

test('Go server answers an over-limit request frame with RESOURCE_EXHAUSTED and stays up', async (t) => {
  if (skipped(t)) return;
  const raw = await Raw.open(goSocket);
  raw.socket.write(encodeHeader({ length: MAX_MESSAGE_LENGTH + 1, streamId: 1, type: 1, flags: 0 }));
  raw.socket.write(Buffer.alloc(MAX_MESSAGE_LENGTH + 1));
  const f = await raw.next();
  assert.equal(f.streamId, 1);
  assert.equal(decodeResponse(f.body).status?.code, StatusCode.RESOURCE_EXHAUSTED);
  writeRequestFrame(raw.socket, 3, 0, {
    service: GO_PEER_SERVICE,
    method: 'Echo',
    payload: bytes('ok'),
    timeoutNano: 0,
    metadata: [],
  });
  const g = await raw.next();
  assert.equal(g.streamId, 3);
  assert.equal(str(decodeResponse(g.body).payload), 'ok');
  raw.socket.destroy();
});

test('Ward client → Go server: 1,000 concurrent calls on one connection', async (t) => {
  if (skipped(t)) return;
  const c = await dial(`unix://${goSocket}`);
  const results = await Promise.all(
    Array.from({ length: 1000 }, (_, i) => c.call(GO_PEER_SERVICE, 'Echo', bytes(`call-${i}`))),
  );
  for (const [i, r] of results.entries()) assert.equal(str(r), `call-${i}`);
  c.close();
});

test('Go client → Ward server: echo, unknown service and method', async (t) => {
  if (skipped(t)) return;
  const echo = await runGoPeerClient(bin, wardSocket, 'echo');
  assert.deepEqual(echo, { status: { code: 0 }, value: 'hello from go' });
  const unknown = await runGoPeerClient(bin, wardSocket, 'unknown');
  assert.equal((unknown['status'] as { code: number }).code, StatusCode.UNIMPLEMENTED);
  assert.equal((unknown['serviceStatus'] as { code: number }).code, StatusCode.UNIMPLEMENTED);
});

test('Go client → Ward server: metadata', async (t) => {
  if (skipped(t)) return;
  const r = await runGoPeerClient(bin, wardSocket, 'metadata');
  assert.deepEqual(r['status'], { code: 0 });
  assert.deepEqual(JSON.parse(r['value'] as string), { 'x-ward-test': ['one', 'two'], other: ['3'] });
});

test('Go client → Ward server: deadlines reach the handler and expire', async (t) => {
  if (skipped(t)) return;
  const sent = await runGoPeerClient(bin, wardSocket, 'deadline-sent');
  const left = Number(sent['value']);
  assert.ok(left > 9000 && left <= 10_000, `Ward saw ${left} ms left`);
  abortedSleeps.length = 0;
  const r = await runGoPeerClient(bin, wardSocket, 'deadline-expires');
  assert.equal((r['status'] as { code: number }).code, StatusCode.DEADLINE_EXCEEDED);
  assert.equal(r['after'], 'after');
  assert.equal(abortedSleeps.length, 1, 'the Ward handler was aborted at the deadline');
  assert.equal((abortedSleeps[0] as TtrpcError).grpcCode, StatusCode.DEADLINE_EXCEEDED);
});

test('Go client → Ward server: error statuses', async (t) => {
  if (skipped(t)) return;
  const r = await runGoPeerClient(bin, wardSocket, 'error');
  assert.deepEqual(r['status'], { code: 5, message: 'container "x" not found' });
});

test('Go client → Ward server: payloads just under and over 4 MiB', async (t) => {
  if (skipped(t)) return;
  const under = MAX_MESSAGE_LENGTH - ECHO_REQUEST_OVERHEAD;
  const ok = await runGoPeerClient(bin, wardSocket, 'size', under);
  assert.deepEqual(ok['status'], { code: 0 });
  assert.equal(ok['length'], under);
  const over = await runGoPeerClient(bin, wardSocket, 'size', under + 1);
  const st = over['status'] as { code: number; message: string };
  assert.equal(st.code, StatusCode.RESOURCE_EXHAUSTED);
  assert.match(st.message, /exceeds maximum message size of 4194304/);
  assert.equal(over['after'], 'still up', 'Ward kept the connection after discarding the frame');
});

test('Go client → Ward server: 1,000 concurrent calls on one connection', async (t) => {
  if (skipped(t)) return;
  const r = await runGoPeerClient(bin, wardSocket, 'concurrent', 1000);
  assert.deepEqual(r, { calls: 1000, bad: 0 });
});

test('the Ward client is a plain Client over the socket (no Go-specific mode)', async (t) => {
  if (skipped(t)) return;
  const s = netConnect(goSocket);
  await new Promise<void>((r) => s.once('connect', () => r()));
  const c = new Client(s);
  assert.equal(str(await c.call(GO_PEER_SERVICE, 'Echo', bytes('plain'))), 'plain');
  c.close();
});
