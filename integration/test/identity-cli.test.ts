import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { IdentityStore, type RegistryServer, startRegistryServer } from '../../identity/index.js';
import { repoRoot } from './identity-fixtures.js';

const run = promisify(execFile);
const WARD = join(repoRoot(), 'dist', 'bin', 'ward');
const tmp = mkdtempSync(join(tmpdir(), 'ward-idcli-'));
const socket = join(tmp, 'identity.sock');
const store = new IdentityStore(join(tmp, 'state'));
const CID = '5'.repeat(64);
let server: RegistryServer;

before(async () => {
  server = await startRegistryServer({ socketPath: socket, store });
  await store.record({
    containerId: CID,
    podName: 'web-0',
    namespace: 'prod',
    containerName: 'app',
    imageName: 'busybox:1.36',
    logSequence: 9,
    policyDigest: 'sha256:pol',
  });
});

after(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function ward(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(WARD, args);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('ward identity show lists and shows records through the socket or the state dir', async () => {
  const list = await ward('identity', 'show', '--socket', socket);
  assert.equal(list.code, 0);
  assert.match(
    list.stdout,
    /^CONTAINER\s+NAMESPACE\/POD\s+NAME\s+IMAGE\s+SEQ\s+SIGNED\n5{16}\s+prod\/web-0\s+app\s+busybox:1\.36\s+9\s+no\n$/,
  );
  const one = await ward('identity', 'show', CID, '--socket', socket);
  assert.equal(one.code, 0);
  assert.match(one.stdout, /pod\s+prod\/web-0/);
  assert.match(one.stdout, /log sequence\s+9/);
  assert.match(one.stdout, /^ {2}measured:true$/m);
  assert.match(one.stdout, /^ {2}policy-digest:sha256:pol$/m);
  const json = await ward('identity', 'show', CID, '--state-dir', join(tmp, 'state'), '--json');
  assert.equal((JSON.parse(json.stdout) as { record: { containerId: string } }).record.containerId, CID);
});

test('ward identity show: unknown container, bad id, missing socket → exit 2 and one line', async () => {
  for (const args of [
    ['identity', 'show', '6'.repeat(64), '--socket', socket],
    ['identity', 'show', '../x', '--socket', socket],
    ['identity', 'show', '--socket', join(tmp, 'nope.sock')],
    ['identity', 'show', '--pid', String(process.pid), '--socket', socket],
    ['identity', 'show', '--pid', 'x1', '--socket', socket],
    ['identity', 'show', CID, '--pid', '1', '--socket', socket],
  ]) {
    const r = await ward(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ward: [^\n]+\n$/);
  }
});
