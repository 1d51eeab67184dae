import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
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

// The `remote` sandbox driver: the agent runs already (as in a pre-started or peer-pod VM) and
// Ward only dials it. The agent's root stands in for the guest, with the container's rootfs
// already in place at the Kata guest path (as a guest pull would leave it).
const isRoot = process.getuid?.() === 0;
let w: WardContainerd | undefined;
let work = '';
const agents: ChildProcess[] = [];

before(async () => {
  if (!isRoot) return;
  work = await mkdtemp(join(tmpdir(), 'ward-remote-'));
  const image = await buildBusyboxImage(busyboxSpec(), join(work, 'images'));
  w = await startWardContainerd();
  await w.cd.importImage(image.tarball);
});

after(async () => {
  for (const a of agents) a.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  await w?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startAgent(listen: string, root: string): Promise<void> {
  const a = spawn(join(DIST_BIN, 'ward-runc-agent'), ['--listen', listen, '--root', root], {
    stdio: 'ignore',
  });
  agents.push(a);
}

for (const kind of ['unix', 'tcp'] as const) {
  test(`remote driver over ${kind}://: ctr run through an agent Ward did not start`, async (t) => {
    const x = w;
    if (!x) return t.skip('needs root to run containerd');
    const id = `remote-${kind}`;
    const root = join(work, `${kind}-root`);
    buildBusyboxRootfs(join(root, 'run/kata-containers/shared/containers', id, 'rootfs'));
    const address =
      kind === 'unix' ? `unix://${join(work, `${kind}.sock`)}` : `tcp://127.0.0.1:${await freePort()}`;
    await startAgent(address, root);
    const cfg = join(work, `${kind}.toml`);
    await writeFile(cfg, `[sandbox]\ndriver = "remote"\n[sandbox.remote]\naddress = "${address}"\n`);
    const r = await x.cd.ctr([
      'run',
      '--rm',
      '--runtime',
      WARD_RUNTIME,
      '--runtime-config-path',
      cfg,
      BUSYBOX_IMAGE,
      id,
      'echo',
      `via ${kind}`,
    ]);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, `via ${kind}\n`);
    assert.equal(r.code, 0);
  });
}
