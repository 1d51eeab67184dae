import assert from 'node:assert/strict';
import { type ChildProcess, execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { spawnAgent } from './runc-agent-client.js';
import { addRootfs, kataSpec, makeRoot, runcList, skipReason } from './runc-agent-fixtures.js';

const run = promisify(execFile);
const WARD = join(import.meta.dirname, '../../bin/ward');
const skip = skipReason();
let root = '';
let agent: ChildProcess | undefined;

/** Runs `ward`; asserts the exit code, reporting stderr when it differs. */
async function wardOk(...args: string[]): Promise<string> {
  const r = await ward(...args);
  assert.equal(r.code, 0, `ward ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function ward(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [WARD, ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  if (skip) return;
  root = makeRoot('cli');
  agent = await spawnAgent(root, join(root, 'a.sock'));
});

after(async () => {
  if (skip) return;
  if (agent && agent.exitCode === null) {
    const exited = new Promise((r) => agent?.once('exit', r));
    agent.kill('SIGTERM');
    await exited;
  }
  rmSync(root, { recursive: true, force: true });
});

test('ward agent call --list names every AgentService and Health method', async () => {
  const r = await ward('agent', 'call', '--list');
  assert.equal(r.code, 0);
  assert.match(
    r.stdout,
    /^grpc\.AgentService\/CreateContainer\tgrpc\.CreateContainerRequest -> google\.protobuf\.Empty$/m,
  );
  assert.match(r.stdout, /^grpc\.Health\/Check\t/m);
});

test('ward agent call drives a container from JSON and prints JSON; errors exit 2 with the status', {
  skip,
}, async () => {
  const addr = `unix://${join(root, 'a.sock')}`;
  const call = (...args: string[]) => wardOk('agent', 'call', '--addr', addr, ...args);
  assert.deepEqual(JSON.parse(await call('Check')), { status: 'SERVING' });
  await call('CreateSandbox', '{"hostname":"clipod","sandbox_id":"clipod"}');
  const r = addRootfs(root, 'cc');
  const req = join(root, 'create.json');
  writeFileSync(
    req,
    JSON.stringify({ container_id: 'cc', exec_id: 'cc', OCI: kataSpec(r, ['echo', 'from-cli']) }),
  );
  await call('CreateContainer', `@${req}`);
  await call('StartContainer', '{"container_id":"cc"}');
  const out = JSON.parse(await call('ReadStdout', '{"container_id":"cc","exec_id":"cc","len":100}'));
  assert.equal(Buffer.from(out.data, 'base64').toString(), 'from-cli\n');
  assert.equal(JSON.parse(await call('grpc.AgentService/WaitProcess', '{"container_id":"cc"}')).status, 0);

  const nf = await ward('agent', 'call', '--addr', addr, 'StartContainer', '{"container_id":"missing"}');
  assert.equal(nf.code, 2);
  assert.match(nf.stderr, /^ward: NOT_FOUND: container "missing" not found\n$/);
  const bad = await ward('agent', 'call', '--addr', addr, 'StartContainer', '{"container_idx":"a"}');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /container_idx/);
  assert.equal((await ward('agent', 'call', '--addr', addr, 'NoSuchMethod')).code, 2);
  await call('DestroySandbox');
  assert.deepEqual(runcList(root), []);
});
