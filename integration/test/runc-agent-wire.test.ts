import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encode } from '../../proto/index.js';
import {
  decodeResponse,
  HEADER_LENGTH,
  MessageType,
  StatusCode,
  type TtrpcError,
  writeHeader,
} from '../../proto/ttrpc/index.js';
import { type AgentClient, connectAgent, spawnAgent } from './runc-agent-client.js';
import { addRootfs, kataSpec, makeRoot, skipReason } from './runc-agent-fixtures.js';

const skip = skipReason();
let root = '';
let agent: ChildProcess | undefined;
let c: AgentClient;
const sock = (): string => join(root, 'agent.sock');

before(async () => {
  if (skip) return;
  root = makeRoot('wire');
  agent = await spawnAgent(root, sock());
  c = await connectAgent(sock());
});

after(async () => {
  if (skip) return;
  c?.close();
  if (agent && agent.exitCode === null) {
    const exited = new Promise((r) => agent?.once('exit', r));
    agent.kill('SIGTERM');
    await exited;
  }
  rmSync(root, { recursive: true, force: true });
});

/** Sends one raw request frame (no client-side size check) and returns the response status. */
async function rawCall(
  service: string,
  method: string,
  payload: Uint8Array,
  declaredLength?: number,
): Promise<number> {
  const body = Buffer.from(encode('ttrpc.Request', { service, method, payload }));
  const head = Buffer.alloc(HEADER_LENGTH);
  writeHeader(head, 0, declaredLength ?? body.length, 1, MessageType.Request, 0);
  const s: Socket = connect(sock());
  await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
  s.write(Buffer.concat([head, body]));
  let buf = Buffer.alloc(0);
  for await (const chunk of s) {
    buf = Buffer.concat([buf, chunk as Buffer]);
    if (buf.length >= HEADER_LENGTH && buf.length >= HEADER_LENGTH + buf.readUInt32BE(0)) break;
  }
  s.destroy();
  const res = decodeResponse(buf.subarray(HEADER_LENGTH, HEADER_LENGTH + buf.readUInt32BE(0)));
  return res.status?.code ?? StatusCode.OK;
}

test('a CopyFile of 4 MiB of data exceeds the ttrpc message limit: RESOURCE_EXHAUSTED, agent stays up', {
  skip,
}, async () => {
  const payload = encode('grpc.CopyFileRequest', {
    path: '/run/kata-containers/shared/containers/big',
    file_size: 4 << 20,
    offset: 0,
    data: Buffer.alloc(4 << 20, 7),
  });
  assert.equal(await rawCall('grpc.AgentService', 'CopyFile', payload), StatusCode.RESOURCE_EXHAUSTED);
  assert.deepEqual(await c.call('Check', {}), { status: 1 });
});

test('a malformed payload is INVALID_ARGUMENT; unknown methods and services are UNIMPLEMENTED', {
  skip,
}, async () => {
  const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
  assert.equal(await rawCall('grpc.AgentService', 'CreateContainer', garbage), StatusCode.INVALID_ARGUMENT);
  assert.equal(await rawCall('grpc.AgentService', 'NoSuchMethod', Buffer.alloc(0)), StatusCode.UNIMPLEMENTED);
  assert.equal(await rawCall('grpc.Nope', 'Check', Buffer.alloc(0)), StatusCode.UNIMPLEMENTED);
  assert.equal((await c.status('SetPolicy', { policy: '' })).code, StatusCode.UNIMPLEMENTED);
  assert.deepEqual(await c.call('Check', {}), { status: 1 });
  const v = await c.call('Version', {});
  assert.match(String(v['agent_version']), /ward/);
});

test('guest-only operations are accepted without touching the host', { skip }, async () => {
  await c.call('SetGuestDateTime', { Sec: 1, Usec: 0 });
  assert.ok(new Date().getFullYear() > 2000, 'the host clock was not set');
  await c.call('ReseedRandomDev', { data: Buffer.from('seed') });
  assert.deepEqual(await c.call('ListInterfaces', {}), { Interfaces: [] });
  assert.deepEqual(await c.call('ListRoutes', {}), { Routes: [] });
  const iface = {
    device: 'eth0',
    name: 'eth0',
    mtu: 1500,
    hwAddr: '02:00:00:00:00:01',
    IPAddresses: [{ family: 0, address: '10.0.0.2', mask: '24' }],
  };
  const got = await c.call('UpdateInterface', { interface: iface });
  assert.equal(got['name'], 'eth0');
  assert.equal(Number(got['mtu']), 1500);
  const routes = { Routes: [{ dest: '0.0.0.0/0', gateway: '10.0.0.1', device: 'eth0' }] };
  assert.equal(((await c.call('UpdateRoutes', { routes }))['Routes'] as unknown[]).length, 1);
  const d = await c.call('GetGuestDetails', { mem_block_size: false, mem_hotplug_probe: false });
  assert.ok((d['agent_details'] as { storage_handlers: string[] }).storage_handlers.includes('virtio-fs'));
  const m = await c.call('GetMetrics', {});
  assert.match(
    String(m['metrics']),
    /ward_runc_agent_requests_total\{method="grpc.AgentService\/SetGuestDateTime"\} 1/,
  );
});

test('a ReadStdout whose caller timed out consumes nothing: the output goes to the next call', {
  skip,
}, async () => {
  await c.call('CreateSandbox', { sandbox_id: 'late' });
  try {
    const r = addRootfs(root, 'late');
    await c.call('CreateContainer', {
      container_id: 'late',
      exec_id: 'late',
      OCI: kataSpec(r, ['sh', '-c', 'read x; echo late']),
    });
    await c.call('StartContainer', { container_id: 'late' });
    const read = { container_id: 'late', exec_id: 'late', len: 100 };
    await assert.rejects(
      c.call('ReadStdout', read, 200),
      (e: TtrpcError) => e.grpcCode === StatusCode.DEADLINE_EXCEEDED,
    );
    await assert.rejects(
      c.call('WaitProcess', { container_id: 'late', exec_id: 'late' }, 200),
      (e: TtrpcError) => e.grpcCode === StatusCode.DEADLINE_EXCEEDED,
    );
    await new Promise((res) => setTimeout(res, 300));
    await c.call('WriteStdin', { container_id: 'late', exec_id: 'late', data: Buffer.from('go\n') });
    assert.equal(Buffer.from((await c.call('ReadStdout', read))['data'] as Uint8Array).toString(), 'late\n');
    assert.equal((await c.call('WaitProcess', { container_id: 'late', exec_id: 'late' }))['status'], 0);
  } finally {
    await c.call('DestroySandbox', {});
  }
});

test('CopyFile writes chunks at their offsets and moves the file into place once complete', {
  skip,
}, async () => {
  const path = '/run/kata-containers/shared/containers/sb/hosts';
  const common = { path, file_size: 6, file_mode: 0o640, dir_mode: 0o750, uid: 0, gid: 0 };
  // In order, as the Kata runtime sends them (the file size decides completion, as in the kata-agent).
  await c.call('CopyFile', { ...common, offset: 0, data: Buffer.from('abc') });
  assert.equal(existsSync(join(root, path)), false, 'not in place before the last byte');
  await c.call('CopyFile', { ...common, offset: 3, data: Buffer.from('def') });
  assert.equal(readFileSync(join(root, path), 'utf8'), 'abcdef');
  assert.equal(statSync(join(root, path)).mode & 0o777, 0o640);
  const past = await c.status('CopyFile', { ...common, offset: 5, data: Buffer.from('xyz') });
  assert.equal(past.code, StatusCode.INVALID_ARGUMENT);
});
