import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
  storeResolver,
} from '../../identity/index.js';
import {
  BUSYBOX_IMAGE,
  buildBusyboxImage,
  busyboxSpec,
  DIST_BIN,
  PrivateContainerd,
  RUNC_RUNTIME,
  startWardContainerd,
  WARD_RUNTIME,
  type WardContainerd,
} from '../index.js';
import { exitedPid, repoRoot } from './identity-fixtures.js';

// pid → container → selectors for containers started by a private containerd: through Debian's
// runc shim here (the cgroup layout containerd gives containers), and through Ward's shim once
// it runs containers (see the Ward runtime test below).
const isRoot = process.getuid?.() === 0;
let cd: PrivateContainerd | undefined;
let ward: WardContainerd | undefined;
let imageTarball = '';
let dir = '';
let registry: RegistryServer | undefined;
let store: IdentityStore;

before(async () => {
  if (!isRoot) return;
  dir = await mkdtemp(join(tmpdir(), 'ward-ide2e-'));
  const image = await buildBusyboxImage(busyboxSpec(), join(dir, 'images'));
  imageTarball = image.tarball;
  cd = await PrivateContainerd.start({ path: [join(repoRoot(), 'dist', 'bin')] });
  await cd.importImage(image.tarball);
  store = new IdentityStore(join(dir, 'state'));
  registry = await startRegistryServer({ socketPath: join(dir, 'identity.sock'), store });
});

after(async () => {
  await ward?.stop();
  await cd?.stop();
  await registry?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs a detached `sleep` container and returns its id and task pid. */
async function runSleeper(runtime: string, id: string, on: PrivateContainerd = cd!): Promise<number> {
  await on.ctrOk(['run', '-d', '--runtime', runtime, BUSYBOX_IMAGE, id, 'sleep', '600']);
  const ls = await on.ctrOk(['tasks', 'ls']);
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

/** The one process whose /proc/<pid>/cmdline is exactly `cmdline`. */
async function pidByCmdline(cmdline: string): Promise<number> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmd === cmdline) return Number(name);
  }
  throw new Error(`no process runs ${JSON.stringify(cmdline)}`);
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

test('containerd + Ward shim + ward-agent-proxy: the proxy records the identity, Attest returns it', async (t) => {
  if (!cd) return t.skip('needs root to run containerd');
  // The local driver starts the proxy with --listen/--agent/--policy; a wrapper around the real
  // ward-agent-proxy adds where its log, register and identity store live in this test.
  const wdir = join(dir, 'ward');
  await mkdir(wdir, { recursive: true });
  const policy = join(wdir, 'allow.rego');
  await writeFile(policy, 'package agent_policy\n\ndefault AllowRequestsFailingPolicy = true\n');
  const identityDir = join(wdir, 'identities');
  const wrapper = join(wdir, 'proxy.sh');
  await writeFile(
    wrapper,
    `#!/bin/sh\nexec "${process.execPath}" "${join(DIST_BIN, 'ward-agent-proxy')}" "$@" ` +
      `--log "${join(wdir, 'measurement.log')}" --register "software:${join(wdir, 'register')}" ` +
      `--identity-dir "${identityDir}"\n`,
  );
  await chmod(wrapper, 0o755);
  ward = await startWardContainerd({
    wardConfig: `[sandbox.local]\npolicy = "${policy}"\nproxy_binary = "${wrapper}"\n`,
  });
  await ward.cd.importImage(imageTarball);
  const id = randomBytes(32).toString('hex');
  // As with Kata, containerd's task pid is the shim worker's, not the workload's: find the
  // workload by a unique command line instead.
  const marker = String(600_000 + Math.floor(Math.random() * 100_000));
  await ward.cd.ctrOk(['run', '-d', '--runtime', WARD_RUNTIME, BUSYBOX_IMAGE, id, 'sleep', marker]);
  const pid = await pidByCmdline(`sleep\0${marker}\0`);

  const wardRegistry = await startRegistryServer({
    socketPath: join(wdir, 'identity.sock'),
    store: new IdentityStore(identityDir),
  });
  try {
    const client = new RegistryClient(join(wdir, 'identity.sock'));
    const rec = (await client.get(id))?.record;
    assert.ok(rec, 'the proxy recorded the container it let the agent create');
    assert.notEqual(rec.logSequence, null);
    const config = parsePluginConfig(`registry_socket = "${join(wdir, 'identity.sock')}"`);
    const sels = await attestPid(pid, config, client);
    assert.ok(sels.includes('measured:true'), sels.join(' '));
    assert.ok(sels.includes(`log-seq:${rec.logSequence}`), sels.join(' '));
    assert.ok(
      sels.some((s) => s.startsWith('policy-digest:')),
      sels.join(' '),
    );
    assert.deepEqual(await attestPid(process.pid, config, client), []);
    // The same answer straight from the state directory, as the demo prints it.
    assert.deepEqual(await attestPid(pid, config, storeResolver(new IdentityStore(identityDir))), sels);
    await ward.cd.ctrOk(['tasks', 'kill', '-s', 'KILL', id]);
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        break;
      }
    }
    await assert.rejects(attestPid(pid, config, client), /not found/);
  } finally {
    await wardRegistry.close();
  }
});
