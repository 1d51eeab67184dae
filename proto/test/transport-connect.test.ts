import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connect, dial, listen, Server, TransportError, TransportErrorCode } from '../ttrpc/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-connect-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function echo(): Server {
  return new Server().register('test.Echo', { Echo: (p) => p });
}

test('unix, abstract unix and tcp addresses carry ttrpc through listen() and dial()', async () => {
  const tcp = await listen('tcp://127.0.0.1:0');
  const port = (tcp.address() as AddressInfo).port;
  const addrs = [`unix://${join(dir, 'a.sock')}`, `unix://@ward-connect-${process.pid}`];
  const listeners = [await listen(addrs[0]!), await listen(addrs[1]!), tcp];
  addrs.push(`tcp://127.0.0.1:${port}`);
  const server = echo();
  for (const l of listeners) server.serve(l);
  for (const a of addrs) {
    const c = await dial(a);
    assert.equal(Buffer.from(await c.call('test.Echo', 'Echo', Buffer.from(a))).toString(), a);
    c.close();
  }
  await server.close();
});

test('a stale socket file is replaced; a regular file in the way is not', async () => {
  const path = join(dir, 'stale.sock');
  const first = await listen(`unix://${path}`);
  // Simulate a crashed owner: the file stays, nobody listens.
  first.close();
  const again = await listen(`unix://${path}`);
  again.close();
  const file = join(dir, 'file');
  writeFileSync(file, 'x');
  await assert.rejects(
    listen(`unix://${file}`),
    (e: unknown) => e instanceof TransportError && e.code === TransportErrorCode.LISTEN,
  );
});

test('connect failures name the address', async () => {
  await assert.rejects(
    connect(`unix://${join(dir, 'nobody-home.sock')}`),
    (e: unknown) =>
      e instanceof TransportError &&
      e.code === TransportErrorCode.CONNECT &&
      e.message.includes('nobody-home'),
  );
  await assert.rejects(connect('tcp://127.0.0.1:1'), TransportError);
  await assert.rejects(
    connect('bogus://x'),
    (e: unknown) => e instanceof TransportError && e.code === TransportErrorCode.ADDRESS,
  );
});
