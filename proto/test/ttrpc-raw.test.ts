import assert from 'node:assert/strict';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import {
  Client,
  decodeResponse,
  encodeHeader,
  encodeResponse,
  MessageType,
  RawResponse,
  StatusCode,
  scanResponse,
  statusError,
  TtrpcError,
} from '../ttrpc/index.js';
import { Harness, text, utf8 } from './ttrpc-harness.js';

// An upstream server, and a relay whose fallback answers with the upstream's Response as received.
const upstream = new Harness({
  'test.Echo': {
    Echo: (p) => p,
    NotFound: () => {
      throw statusError(StatusCode.NOT_FOUND, 'no such thing ✓', [{ typeUrl: 't/x', value: utf8('d') }]);
    },
    Big: (p) => Buffer.alloc(Buffer.from(p).readUInt32BE(0), 0x61),
  },
});
const relay = new Harness();
let toUpstream: Client;

before(async () => {
  await upstream.start();
  toUpstream = await upstream.client();
  relay.server.setFallback((payload, ctx) => toUpstream.callRaw(ctx.service, ctx.method, payload));
  await relay.start();
});
after(async () => {
  await relay.stop();
  await upstream.stop();
});

test('callRaw resolves with the Response as received, error statuses included', async () => {
  const ok = await toUpstream.callRaw('test.Echo', 'Echo', utf8('hi'));
  assert.ok(ok instanceof RawResponse);
  assert.equal(ok.ok, true);
  assert.equal(text(decodeResponse(Buffer.from(ok.body)).payload), 'hi');
  const nf = await toUpstream.callRaw('test.Echo', 'NotFound', utf8(''));
  assert.equal(nf.ok, false);
  assert.equal(nf.code, StatusCode.NOT_FOUND);
  assert.equal(decodeResponse(Buffer.from(nf.body)).status?.message, 'no such thing ✓');
});

test('a relayed answer is byte for byte the upstream one, and clients see the same result', async () => {
  const direct = await upstream.raw();
  const viaRelay = await relay.raw();
  try {
    for (const [i, [method, payload]] of (
      [
        ['Echo', utf8('payload')],
        ['NotFound', utf8('')],
        ['Nope', utf8('')],
        ['Big', Buffer.from([0, 1, 0, 0])],
      ] as const
    ).entries()) {
      const id = 2 * i + 1;
      direct.request(id, 'test.Echo', method, payload);
      viaRelay.request(id, 'test.Echo', method, payload);
      const [a, b] = [await direct.next(), await viaRelay.next()];
      assert.equal(b.type, MessageType.Response);
      assert.equal(b.streamId, id);
      assert.deepEqual(b.body, a.body, method);
    }
  } finally {
    direct.close();
    viaRelay.close();
  }
  const c = await relay.client();
  assert.equal(text(await c.call('test.Echo', 'Echo', utf8('x'))), 'x');
  await assert.rejects(c.call('test.Echo', 'NotFound', utf8('')), (err: unknown) => {
    assert.ok(err instanceof TtrpcError);
    assert.equal(err.grpcCode, StatusCode.NOT_FOUND);
    assert.equal(err.message, 'no such thing ✓');
    assert.deepEqual(
      err.details.map((d) => [d.typeUrl, text(d.value)]),
      [['t/x', 'd']],
    );
    return true;
  });
});

test('scanResponse reads the status code as decodeResponse does, for any well-formed Response', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.string(),
      fc.uint8Array({ maxLength: 64 }),
      (code, message, payload) => {
        const body = encodeResponse({
          status: { code, message, details: [{ typeUrl: 'u', value: payload }] },
          payload,
        });
        const full = decodeResponse(body);
        assert.equal(scanResponse(body).code, full.status?.code ?? StatusCode.OK);
      },
    ),
  );
  assert.equal(scanResponse(Buffer.alloc(0)).ok, true);
});

test('scanResponse refuses what the full decoder refuses', () => {
  const cases: [string, number[]][] = [
    ['status with wire type varint', [0x08, 0x01]],
    ['truncated status', [0x0a, 0x05, 0x08]],
    ['field number 0', [0x02, 0x00]],
    ['status code as bytes', [0x0a, 0x02, 0x0a, 0x00]],
    ['payload as varint', [0x10, 0x01]],
    ['group wire type', [0x1b]],
  ];
  for (const [name, bytes] of cases) {
    const body = Buffer.from(bytes);
    assert.throws(() => decodeResponse(body), TtrpcError, `decodeResponse: ${name}`);
    assert.throws(() => scanResponse(body), /wire type|truncated|field number 0|unsupported/, name);
  }
});

test('a malformed upstream answer fails the raw call with a protocol error', async () => {
  const path = join(upstream.dir, 'bad.sock');
  const bad: NetServer = createServer((s: Socket) => {
    s.once('data', () => {
      const body = Buffer.from([0x0a, 0x05, 0x08]);
      s.write(Buffer.concat([encodeHeader({ length: body.length, streamId: 1, type: 2, flags: 0 }), body]));
    });
  });
  await new Promise<void>((r) => bad.listen(path, r));
  const sock = connect(path);
  await new Promise((r) => sock.once('connect', r));
  const c = new Client(sock);
  try {
    await assert.rejects(c.callRaw('test.Echo', 'Echo', utf8('')), /invalid response/);
  } finally {
    c.close();
    await new Promise((r) => bad.close(r));
  }
});
