import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  connect,
  connectHybridVsock,
  dial,
  HybridVsockMuxer,
  listen,
  Server,
  TransportError,
  TransportErrorCode,
} from '../ttrpc/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-hvsock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A fake muxer that answers each connection with `reply` (or never, when undefined). */
async function fakeMuxer(
  path: string,
  reply: string | undefined,
): Promise<{ server: NetServer; lines: string[] }> {
  const lines: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('data', (d) => {
      lines.push(d.toString());
      if (reply !== undefined) s.write(reply);
    });
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((r) => server.listen(path, r));
  return { server, lines };
}

function closeServer(s: NetServer): Promise<void> {
  return new Promise((r) => {
    s.close(() => r());
    s.emit('close');
  });
}

test('ttrpc over hybrid vsock: listen() registers the port on a muxer, dial() does CONNECT/OK', async () => {
  const path = join(dir, 'kata.hvsock');
  const listener = await listen(`hvsock://${path}:1024`);
  const server = new Server().register('test.Echo', { Echo: (p) => p });
  server.serve(listener);
  const client = await dial(`hvsock://${path}:1024`);
  const out = await client.call('test.Echo', 'Echo', Buffer.from('through the muxer'));
  assert.equal(Buffer.from(out).toString(), 'through the muxer');
  client.close();
  await server.close();
});

test('the client sends CONNECT <port>\\n and keeps bytes that follow the OK line', async () => {
  const path = join(dir, 'pipelined.sock');
  const { server, lines } = await fakeMuxer(path, 'ok 1073741824\nfirst bytes');
  const socket = await connectHybridVsock(path, 52);
  assert.deepEqual(lines, ['CONNECT 52\n']);
  const data = await new Promise<string>((r) => socket.once('data', (d) => r(d.toString())));
  assert.equal(data, 'first bytes');
  socket.destroy();
  await closeServer(server);
});

test('a refused port (the muxer closes without a reply) fails with ERR_TRANSPORT_HANDSHAKE', async () => {
  const path = join(dir, 'real.sock');
  const muxer = await HybridVsockMuxer.listen(path);
  muxer.register(1, () => undefined);
  await assert.rejects(
    connect(`hvsock://${path}:2`),
    (e: unknown) => e instanceof TransportError && e.code === TransportErrorCode.HANDSHAKE,
  );
  await muxer.close();
});

test('a reply other than OK fails with ERR_TRANSPORT_HANDSHAKE quoting it', async () => {
  const path = join(dir, 'err.sock');
  const { server } = await fakeMuxer(path, 'ERROR no listener\n');
  await assert.rejects(
    connectHybridVsock(path, 9),
    (e: unknown) =>
      e instanceof TransportError &&
      e.code === TransportErrorCode.HANDSHAKE &&
      /ERROR no listener/.test(e.message),
  );
  await closeServer(server);
});

test('a muxer that never answers fails with ERR_TRANSPORT_TIMEOUT after the handshake timeout', async () => {
  const path = join(dir, 'silent.sock');
  const { server } = await fakeMuxer(path, undefined);
  const started = Date.now();
  await assert.rejects(
    connectHybridVsock(path, 1024, { timeoutMs: 150 }),
    (e: unknown) => e instanceof TransportError && e.code === TransportErrorCode.TIMEOUT,
  );
  assert.ok(Date.now() - started >= 100);
  await closeServer(server);
});

test('the muxer drops malformed CONNECT lines and silent clients, and replies OK <host port> otherwise', async () => {
  const path = join(dir, 'strict.sock');
  const muxer = await HybridVsockMuxer.listen(path, { handshakeTimeoutMs: 100 });
  const got: Socket[] = [];
  muxer.register(7, (s) => got.push(s));
  for (const line of ['CONNECT\n', 'CONNECT x\n', 'HELLO 7\n', `CONNECT 7${'0'.repeat(300)}`]) {
    const { connect: raw } = await import('node:net');
    const s = raw(path);
    s.on('error', () => undefined);
    s.write(line);
    await new Promise<void>((r) => s.once('close', () => r()));
  }
  const ok = await connectHybridVsock(path, 7);
  assert.equal(got.length, 1);
  ok.destroy();
  await muxer.close();
});
