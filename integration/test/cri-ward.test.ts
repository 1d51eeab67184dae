import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  BUSYBOX_IMAGE,
  buildBusyboxImage,
  busyboxSpec,
  CriClient,
  PAUSE_IMAGE,
  pauseSpec,
  startWardContainerd,
  WARD_HANDLER,
  type WardContainerd,
} from '../index.js';

// containerd's CRI plugin runs a host-network pod with runtime handler `ward` (our shim), driven
// by a CRI client written with @grpc/grpc-js and the runtime.v1 protos. Images are local.
const isRoot = process.getuid?.() === 0;
const K8S_NAMESPACE = 'k8s.io';
const NODE = 2;
const POD = 0;
const CONTAINER = 1;
const CONTAINER_RUNNING = 1;
let w: WardContainerd | undefined;
let cri: CriClient | undefined;
let work = '';

before(async () => {
  if (!isRoot) return;
  work = await mkdtemp(join(tmpdir(), 'ward-cri-'));
  const busybox = await buildBusyboxImage(busyboxSpec(), join(work, 'images'));
  const pause = await buildBusyboxImage(pauseSpec(), join(work, 'images'));
  w = await startWardContainerd({ cri: true, sandboxImage: PAUSE_IMAGE });
  await w.cd.importImage(busybox.tarball, K8S_NAMESPACE);
  await w.cd.importImage(pause.tarball, K8S_NAMESPACE);
  cri = await CriClient.connect(w.cd.address);
});

after(async () => {
  cri?.close();
  await w?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test('CRI: a host-network pod with handler ward runs, execs and is torn down', async (t) => {
  const x = w;
  const c = cri;
  if (!x || !c) return t.skip('needs root to run containerd with its CRI plugin');
  const version = await c.call('Version', { version: 'v1' });
  assert.equal(version['runtime_name'], 'containerd');
  const sandboxConfig = {
    metadata: { name: 'ward-pod', uid: 'uid-ward-pod', namespace: 'default', attempt: 0 },
    // Host network means the host's UTS namespace: runc on the host (unlike a guest VM) cannot
    // set a hostname there, so the pod keeps the node's.
    hostname: '',
    log_directory: join(work, 'logs'),
    linux: { security_context: { namespace_options: { network: NODE, pid: CONTAINER, ipc: POD } } },
  };
  const run = await c.call('RunPodSandbox', { config: sandboxConfig, runtime_handler: WARD_HANDLER });
  const podId = String(run['pod_sandbox_id']);
  assert.match(podId, /^[0-9a-f]{64}$/);
  assert.ok((await x.workers()).has(podId), 'a Ward worker serves the pod');

  const created = await c.call('CreateContainer', {
    pod_sandbox_id: podId,
    config: {
      metadata: { name: 'app', attempt: 0 },
      image: { image: BUSYBOX_IMAGE },
      command: ['sh', '-c', 'echo started; exec sleep 600'],
      log_path: 'app.log',
      linux: { security_context: { namespace_options: { network: NODE, pid: CONTAINER, ipc: POD } } },
    },
    sandbox_config: sandboxConfig,
  });
  const ctrId = String(created['container_id']);
  await c.call('StartContainer', { container_id: ctrId });
  assert.equal((await x.workers()).size, 1, 'the app container joined the pod worker');

  const exec = await c.call('ExecSync', {
    container_id: ctrId,
    cmd: ['sh', '-c', 'echo out; echo err >&2; exit 4'],
    timeout: 30,
  });
  assert.equal(Buffer.from(exec['stdout'] as Uint8Array).toString(), 'out\n');
  assert.equal(Buffer.from(exec['stderr'] as Uint8Array).toString(), 'err\n');
  assert.equal(exec['exit_code'], 4);

  // UpdateContainerResources → containerd → the shim's Update → the agent's UpdateContainer.
  const limit = 64 * 1024 * 1024;
  await c.call('UpdateContainerResources', { container_id: ctrId, linux: { memory_limit_in_bytes: limit } });
  const mem = await c.call('ExecSync', {
    container_id: ctrId,
    cmd: ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes'],
    timeout: 30,
  });
  assert.equal(
    Buffer.from(mem['stdout'] as Uint8Array)
      .toString()
      .trim(),
    String(limit),
  );

  const status = await c.call('ContainerStatus', { container_id: ctrId });
  const st = status['status'] as Record<string, unknown>;
  assert.equal(st['state'], CONTAINER_RUNNING);
  assert.equal(st['id'], ctrId);
  const log = await readFile(join(work, 'logs', 'app.log'), 'utf8');
  assert.match(log, /stdout F started/);

  await c.call('StopPodSandbox', { pod_sandbox_id: podId });
  await c.call('RemovePodSandbox', { pod_sandbox_id: podId });
  const deadline = Date.now() + 15_000;
  while ((await x.workers()).size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await x.workers()).size, 0, 'the pod worker is gone with the pod');
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  assert.equal(mounts.includes(podId), false, 'no mount of the pod is left');
});
