import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  dial,
  encodeRequest,
  GuardedServer,
  listen,
  type PeerCredentialPolicy,
  peerCredentials,
  Server,
  TransportError,
} from '../ttrpc/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-peercred-'));
chmodSync(dir, 0o755);
after(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.geteuid?.() === 0;
const NOBODY = 65534;

/** One request frame for test.Echo/Echo, written by a child process that has only node's net. */
function requestFrameHex(): string {
  const body = encodeRequest({
    service: 'test.Echo',
    method: 'Echo',
    payload: Buffer.from('hi'),
    timeoutNano: 0,
    metadata: [],
  });
  const header = Buffer.alloc(10);
  header.writeUInt32BE(body.length, 0);
  header.writeUInt32BE(1, 4);
  header[8] = 1;
  return Buffer.concat([header, body]).toString('hex');
}

const CHILD = `
const net = require('node:net');
const s = net.connect(process.argv[1]);
let got = 0;
s.on('connect', () => s.write(Buffer.from(process.argv[2], 'hex')));
s.on('data', (d) => { got += d.length; s.destroy(); });
s.on('error', () => {});
s.on('close', () => { process.stdout.write(got > 0 ? 'answered' : 'closed'); });
`;

/** Connects from a child running as `uid`/`gid` and reports whether the server answered. */
function childCall(path: string, uid: number, gid: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD, path, requestFrameHex()], {
      uid,
      gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', () => (out.length > 0 ? resolve(out) : reject(new Error(`child failed: ${err}`))));
  });
}

async function serveWith(
  name: string,
  policy: PeerCredentialPolicy,
): Promise<{ path: string; server: Server; rejected: unknown[] }> {
  const path = join(dir, name);
  const listener = await listen(`unix://${path}`, { peerCredentials: policy, mode: 0o777 });
  const rejected: unknown[] = [];
  listener.on('peerRejected', (err) => rejected.push(err));
  assert.ok(listener instanceof GuardedServer);
  const server = new Server().register('test.Echo', { Echo: (p) => p });
  server.serve(listener);
  return { path, server, rejected };
}

test('SO_PEERCRED reports the connecting process', async () => {
  const { path, server } = await serveWith('self.sock', 'any');
  const client = await dial(`unix://${path}`);
  const creds = peerCredentials(client.conn.socket as import('node:net').Socket);
  assert.equal(creds.pid, process.pid);
  assert.equal(creds.uid, process.geteuid?.());
  assert.equal(creds.gid, process.getegid?.());
  client.close();
  await server.close();
});

test('root-only and same-user listeners accept root and refuse a uid 65534 peer', async (t) => {
  if (!isRoot) {
    t.skip('needs root to run a peer as uid 65534 (child_process.spawn uid/gid)');
    return;
  }
  for (const policy of ['root', 'same-user'] as const) {
    const { path, server, rejected } = await serveWith(`${policy}.sock`, policy);
    const client = await dial(`unix://${path}`);
    assert.equal(
      Buffer.from(await client.call('test.Echo', 'Echo', Buffer.from('root ok'))).toString(),
      'root ok',
    );
    assert.equal(await childCall(path, NOBODY, NOBODY), 'closed', `${policy} must refuse uid ${NOBODY}`);
    assert.equal(rejected.length, 1);
    assert.ok(rejected[0] instanceof TransportError);
    assert.match((rejected[0] as Error).message, /uid 65534 gid 65534 refused/);
    client.close();
    await server.close();
  }
});

test('a uid/gid policy accepts exactly that user', async (t) => {
  if (!isRoot) {
    t.skip('needs root to run a peer as uid 65534 (child_process.spawn uid/gid)');
    return;
  }
  const { path, server } = await serveWith('nobody.sock', { uid: NOBODY, gid: NOBODY });
  assert.equal(await childCall(path, NOBODY, NOBODY), 'answered');
  const client = await dial(`unix://${path}`);
  await assert.rejects(client.call('test.Echo', 'Echo', Buffer.from('x')));
  await server.close();
});

test('peer credential policies are refused on non-unix listeners', async () => {
  await assert.rejects(listen('tcp://127.0.0.1:0', { peerCredentials: 'root' }), TransportError);
});
