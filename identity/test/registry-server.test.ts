import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { IdentityError, IdentityStore, RegistryClient, startRegistryServer } from '../index.js';

const tmp = mkdtempSync(join(tmpdir(), 'ward-regsrv-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function rawExchange(socket: string, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createConnection(socket);
    let buf = '';
    s.on('connect', () => s.write(payload));
    s.on('data', (d) => {
      buf += d.toString();
    });
    s.on('end', () => resolve(buf));
    s.on('error', reject);
    setTimeout(() => {
      s.end();
    }, 300);
  });
}

test('registry socket: 0600, one server per socket, stale socket files replaced', async () => {
  const socket = join(tmp, 'a', 'identity.sock');
  const store = new IdentityStore(join(tmp, 'a-state'));
  const server = await startRegistryServer({ socketPath: socket, store });
  try {
    assert.equal(statSync(socket).mode & 0o777, 0o600);
    assert.equal(statSync(join(tmp, 'a')).mode & 0o777, 0o700);
    await assert.rejects(startRegistryServer({ socketPath: socket, store }), /already serves/);
  } finally {
    await server.close();
  }
  writeFileSync(socket, 'stale');
  const again = await startRegistryServer({ socketPath: socket, store });
  assert.deepEqual(await new RegistryClient(socket).list(), []);
  // The default guard is the kernel's SO_PEERCRED (proto/transport); the tests run as root.
  if (process.getuid?.() === 0) {
    assert.deepEqual(await new RegistryClient(socket).call({ op: 'ping' }), { peerCheck: 'root' });
  }
  await again.close();
});

test('registry protocol: records round-trip; bad lines and bad records get coded errors', async () => {
  const socket = join(tmp, 'b.sock');
  const server = await startRegistryServer({
    socketPath: socket,
    store: new IdentityStore(join(tmp, 'b-state')),
  });
  try {
    const c = new RegistryClient(socket);
    const rec = await c.record({ containerId: 'a'.repeat(64), namespace: 'ns1' });
    assert.equal(rec.namespace, 'ns1');
    assert.equal((await c.get('a'.repeat(64)))?.record.namespace, 'ns1');
    assert.equal(await c.get('b'.repeat(64)), null);
    assert.equal(await c.remove('a'.repeat(64)), true);
    await assert.rejects(
      c.record({ containerId: 'x/../../etc' }),
      (e: unknown) => e instanceof IdentityError && e.code === 'ERR_IDENTITY_BAD_RECORD',
    );
    await assert.rejects(
      c.get('../x'),
      (e: unknown) => e instanceof IdentityError && e.code === 'ERR_IDENTITY_BAD_ARGUMENT',
    );
    await assert.rejects(
      c.byPid(0),
      (e: unknown) => e instanceof IdentityError && e.code === 'ERR_IDENTITY_BAD_ARGUMENT',
    );
    const lines = (await rawExchange(socket, 'not json\n{"op":"fly"}\n{"op":"get"}\n[1]\n{"op":"ping"}\n'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ok: boolean; code?: string });
    assert.deepEqual(
      lines.map((l) => l.code ?? 'ok'),
      [
        'ERR_IDENTITY_PROTOCOL',
        'ERR_IDENTITY_PROTOCOL',
        'ERR_IDENTITY_PROTOCOL',
        'ERR_IDENTITY_PROTOCOL',
        'ok',
      ],
    );
  } finally {
    await server.close();
  }
});

test('peer credential check: non-root and unreadable credentials are refused before any request', async () => {
  for (const [name, reader, want] of [
    ['uid 1000', () => ({ pid: 1, uid: 1000, gid: 1000 }), /peer uid 1000 is not root/],
    [
      'throws',
      () => {
        throw new Error('ENOTSUP');
      },
      /cannot read peer credentials/,
    ],
  ] as const) {
    const socket = join(tmp, `peer-${name.replace(' ', '')}.sock`);
    const server = await startRegistryServer({
      socketPath: socket,
      store: new IdentityStore(join(tmp, 'peer-state')),
      peerCredentials: reader,
    });
    try {
      await assert.rejects(
        new RegistryClient(socket).list(),
        (e: unknown) =>
          e instanceof IdentityError && e.code === 'ERR_IDENTITY_PEER_DENIED' && want.test(e.message),
        name,
      );
    } finally {
      await server.close();
    }
  }
  const socket = join(tmp, 'peer-root.sock');
  const server = await startRegistryServer({
    socketPath: socket,
    store: new IdentityStore(join(tmp, 'peer-state')),
    peerCredentials: () => ({ pid: 1, uid: 0, gid: 0 }),
  });
  assert.deepEqual(await new RegistryClient(socket).call({ op: 'ping' }), { peerCheck: 'root' });
  await server.close();
});
