import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decode, encode, TASK_SERVICE } from '../../proto/index.js';
import { Client, type TtrpcError } from '../../proto/ttrpc/index.js';
import {
  BUSYBOX_IMAGE,
  buildBusyboxImage,
  buildBusyboxRootfs,
  busyboxSpec,
  DIST_BIN,
  startWardContainerd,
  WARD_RUNTIME,
  type WardContainerd,
} from '../index.js';

// Bad input reaches containerd as a clear error, and nothing (worker, socket, mount, pod state)
// is left behind.
const isRoot = process.getuid?.() === 0;
let w: WardContainerd | undefined;
let work = '';

before(async () => {
  if (!isRoot) return;
  work = await mkdtemp(join(tmpdir(), 'ward-bad-'));
  const image = await buildBusyboxImage(busyboxSpec(), join(work, 'images'));
  w = await startWardContainerd();
  await w.cd.importImage(image.tarball);
});

after(async () => {
  await w?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs the launcher the way containerd does: flags, env, the bundle as cwd. */
function shimStart(
  x: WardContainerd,
  id: string,
  bundle: string,
  stdin = Buffer.alloc(0),
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(
      join(DIST_BIN, 'containerd-shim-ward-v2'),
      [
        '-namespace',
        'ward-test',
        '-address',
        x.cd.address,
        '-publish-binary',
        '/usr/bin/containerd',
        '-id',
        id,
        'start',
      ],
      {
        cwd: bundle,
        env: {
          ...process.env,
          TTRPC_ADDRESS: `${x.cd.paths.ttrpcAddress}`,
          GRPC_ADDRESS: x.cd.address,
          NAMESPACE: 'ward-test',
          WARD_RUN_DIR: x.runDir,
          WARD_CONFIG: x.configPath,
        },
      },
    );
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    p.stdin.end(stdin);
    p.once('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

async function podCount(x: WardContainerd): Promise<number> {
  return (await readdir(join(x.runDir, 'pods')).catch(() => [])).length;
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

test('a bundle without config.json: start fails naming config.json; no pod is created', async (t) => {
  if (!w) return t.skip('needs root to run containerd');
  const bundle = join(work, 'no-config');
  await mkdir(bundle, { recursive: true });
  const r = await shimStart(w, 'no-config', bundle);
  assert.equal(r.code, 1);
  assert.match(r.out, /config\.json/);
  assert.equal(await podCount(w), 0);
});

test('runtime options of an unknown type are refused; options that are not protobuf too', async (t) => {
  if (!w) return t.skip('needs root to run containerd');
  const bundle = join(work, 'opts');
  await mkdir(bundle, { recursive: true });
  await writeFile(
    join(bundle, 'config.json'),
    JSON.stringify({ ociVersion: '1.0.2', process: { args: ['true'] } }),
  );
  const any = encode('google.protobuf.Any', {
    type_url: 'example.com/unknown.Options',
    value: new Uint8Array([8, 1]),
  });
  const r = await shimStart(w, 'opts', bundle, Buffer.from(any));
  assert.equal(r.code, 1);
  assert.match(r.out, /unknown\.Options/);
  const g = await shimStart(w, 'opts', bundle, Buffer.from([0xff, 0xff, 0xff]));
  assert.equal(g.code, 1);
  assert.match(g.out, /runtime options|protobuf/);
  assert.equal(await podCount(w), 0);
});

test('an unreachable agent: ctr run fails with the address named; the worker exits and leaves nothing', async (t) => {
  if (!w) return t.skip('needs root to run containerd');
  const cfg = join(work, 'remote.toml');
  await writeFile(
    cfg,
    '[sandbox]\ndriver = "remote"\n[sandbox.remote]\naddress = "unix:///nonexistent/agent.sock"\n[agent]\ndial_timeout_ms = 200\n',
  );
  const r = await w.cd.ctr([
    'run',
    '--rm',
    '--runtime',
    WARD_RUNTIME,
    '--runtime-config-path',
    cfg,
    BUSYBOX_IMAGE,
    'no-agent',
    'true',
  ]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unreachable.*nonexistent\/agent\.sock|nonexistent\/agent\.sock.*unreachable/);
  assert.ok(await until(async () => (await podCount(w as WardContainerd)) === 0), 'pod state removed');
  await w.cd.ctr(['containers', 'delete', 'no-agent']);
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  assert.equal(mounts.includes('/no-agent/'), false);
});

test('a missing stdout fifo: Create answers InvalidArgument naming it; Shutdown closes the pod and leaves nothing', async (t) => {
  const x = w;
  if (!x) return t.skip('needs root to run containerd');
  const bundle = join(work, 'bad-fifo');
  await mkdir(bundle, { recursive: true });
  buildBusyboxRootfs(join(bundle, 'rootfs'));
  const spec = JSON.parse((await x.cd.ctrOk(['oci', 'spec'])) || '{}') as Record<string, unknown>;
  spec['process'] = { ...(spec['process'] as object), args: ['true'] };
  await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
  const r = await shimStart(x, 'bad-fifo', bundle);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^unix:\/\/\/.+[0-9a-f]{64}$/);
  assert.equal(await readFile(join(bundle, 'address'), 'utf8'), r.out);
  const sock = r.out.slice('unix://'.length);
  assert.equal((await stat(sock)).mode & 0o777, 0o600, 'the task socket is private to its owner');
  const socket = connect(sock);
  await new Promise((res, rej) => socket.once('connect', res).once('error', rej));
  const client = new Client(socket);
  const err = await client
    .call(
      TASK_SERVICE,
      'Create',
      encode('containerd.task.v2.CreateTaskRequest', {
        id: 'bad-fifo',
        bundle,
        stdout: join(work, 'no-such-fifo'),
      }),
    )
    .then(
      () => undefined,
      (e: unknown) => e as TtrpcError,
    );
  assert.ok(err, 'Create must fail');
  assert.equal(err.grpcCode, 3);
  assert.match(err.message, /stdout .*no-such-fifo: no such fifo/);
  const state = await client
    .call(TASK_SERVICE, 'State', encode('containerd.task.v2.StateRequest', { id: 'bad-fifo' }))
    .then(
      () => 0,
      (e: unknown) => (e as TtrpcError).grpcCode,
    );
  assert.equal(state, 5, 'the failed container is unknown (NotFound)');
  const conn = decode(
    'containerd.task.v2.ConnectResponse',
    await client.call(
      TASK_SERVICE,
      'Connect',
      encode('containerd.task.v2.ConnectRequest', { id: 'bad-fifo' }),
    ),
  );
  const workerPid = Number(conn.shim_pid);
  await client.call(
    TASK_SERVICE,
    'Shutdown',
    encode('containerd.task.v2.ShutdownRequest', { id: 'bad-fifo' }),
  );
  client.close();
  // The worker closes the pod (and returns to the warm pool, or exits when the pool is full).
  assert.ok(await until(async () => !existsSync(sock)), 'socket removed');
  assert.ok(workerPid > 0);
  assert.ok(await until(async () => (await podCount(x)) === 0), 'pod state removed');
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  assert.equal(mounts.includes(bundle), false);
});
