import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  attestPid,
  IdentityStore,
  identityFromCreateContainer,
  parsePluginConfig,
  RegistryClient,
  type RegistryServer,
  startRegistryServer,
} from '../../identity/index.js';
import { BUSYBOX_IMAGE, buildBusyboxImage, busyboxSpec, PrivateContainerd, RUNC_RUNTIME } from '../index.js';
import { exitedPid, repoRoot } from './identity-fixtures.js';

// pid → container → selectors for containers started by a private containerd: through Debian's
// runc shim here (the cgroup layout containerd gives containers), and through Ward's shim once
// it runs containers (see the Ward runtime test below).
const isRoot = process.getuid?.() === 0;
let cd: PrivateContainerd | undefined;
let dir = '';
let registry: RegistryServer | undefined;
let store: IdentityStore;

before(async () => {
  if (!isRoot) return;
  dir = await mkdtemp(join(tmpdir(), 'ward-ide2e-'));
  const image = await buildBusyboxImage(busyboxSpec(), join(dir, 'images'));
  cd = await PrivateContainerd.start({ path: [join(repoRoot(), 'dist', 'bin')] });
  await cd.importImage(image.tarball);
  store = new IdentityStore(join(dir, 'state'));
  registry = await startRegistryServer({ socketPath: join(dir, 'identity.sock'), store });
});

after(async () => {
  await cd?.stop();
  await registry?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs a detached `sleep` container and returns its id and task pid. */
async function runSleeper(runtime: string, id: string): Promise<number> {
  await cd!.ctrOk(['run', '-d', '--runtime', runtime, BUSYBOX_IMAGE, id, 'sleep', '600']);
  const ls = await cd!.ctrOk(['tasks', 'ls']);
  const line = ls.split('\n').find((l) => l.startsWith(`${id} `));
  const pid = Number(line?.trim().split(/\s+/)[1]);
  assert.ok(pid > 0, `task pid of ${id} in:\n${ls}`);
  return pid;
}

/** Records the container the way the proxy does, from its OCI spec (`ctr containers info`). */
async function recordFromSpec(id: string): Promise<void> {
  const info = JSON.parse(await cd!.ctrOk(['containers', 'info', id])) as { Spec: unknown };
  const input = identityFromCreateContainer(
    { container_id: id, oci: info.Spec },
    {
      imageName: BUSYBOX_IMAGE,
      podName: 'demo',
      namespace: 'ward-test',
      logSequence: 1,
      policyDigest: 'sha256:p',
    },
  );
  assert.ok(input);
  await store.record(input);
}

async function attestThroughRegistry(pid: number): Promise<string[]> {
  const config = parsePluginConfig(`registry_socket = "${join(dir, 'identity.sock')}"`);
  return attestPid(pid, config, new RegistryClient(config.registrySocket));
}

test('containerd + runc shim: container pid → its selectors, host pid → none, exited pid → error', async (t) => {
  if (!cd) return t.skip('needs root to run containerd');
  const hexId = randomBytes(32).toString('hex');
  const namedId = `ward-id-${randomBytes(3).toString('hex')}`;
  const hexPid = await runSleeper(RUNC_RUNTIME, hexId);
  const namedPid = await runSleeper(RUNC_RUNTIME, namedId);
  await recordFromSpec(hexId);
  await recordFromSpec(namedId);
  // A 64-hex id is found from the cgroup path alone; a named one through its recorded cgroupsPath.
  for (const [pid, id] of [
    [hexPid, hexId],
    [namedPid, namedId],
  ] as const) {
    const sels = await attestThroughRegistry(pid);
    assert.ok(sels.includes('pod-name:demo') && sels.includes('measured:true'), `${id}: ${sels.join(' ')}`);
    assert.equal((await new RegistryClient(join(dir, 'identity.sock')).byPid(pid))?.record.containerId, id);
  }
  assert.deepEqual(await attestThroughRegistry(process.pid), []);
  await assert.rejects(attestThroughRegistry(await exitedPid()), /not found/);
});
