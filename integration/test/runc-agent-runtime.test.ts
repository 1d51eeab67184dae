import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type AgentError, Sandbox } from '../runc-agent/runtime/index.js';
import { addRootfs, kataSpec, makeRoot, mountsUnder, runcList, skipReason } from './runc-agent-fixtures.js';

const skip = skipReason();
let root = '';
let sb: Sandbox;

async function readAll(cid: string, eid: string, stderr = false): Promise<string> {
  let out = '';
  for (;;) {
    const d = await sb.readOutput(cid, eid, 0, stderr);
    if (d.length === 0) return out;
    out += d.toString('utf8');
  }
}

before(async () => {
  if (skip) return;
  root = makeRoot('rt');
  sb = Sandbox.open({ root });
  await sb.createSandbox({ hostname: 'podhost', sandbox_id: 'rt-sandbox', sandbox_pidns: false });
});

after(async () => {
  if (skip) return;
  await sb.destroy();
  sb.close();
  rmSync(root, { recursive: true, force: true });
});

test('runtime: container output, exit codes and signal deaths', { skip }, async () => {
  const rootfs = addRootfs(root, 'c1');
  await sb.createContainer({
    container_id: 'c1',
    exec_id: 'c1',
    OCI: kataSpec(rootfs, ['sh', '-c', 'echo out; echo err >&2; hostname; exit 3']),
  });
  await sb.startContainer('c1');
  const [out, err, code] = await Promise.all([
    readAll('c1', ''),
    readAll('c1', '', true),
    sb.waitProcess('c1', ''),
  ]);
  assert.equal(out, 'out\npodhost\n');
  assert.equal(err, 'err\n');
  assert.equal(code, 3);
  await sb.removeContainer('c1', 0);
  assert.deepEqual(runcList(root), []);
});

test('runtime: exec with stdin through cat, SIGKILL is 137, unknown ids', { skip }, async () => {
  const rootfs = addRootfs(root, 'c2');
  await sb.createContainer({ container_id: 'c2', exec_id: 'c2', OCI: kataSpec(rootfs, ['sleep', '1000']) });
  await sb.startContainer('c2');
  await sb.execProcess({ container_id: 'c2', exec_id: 'e1', process: kataSpec(rootfs, ['cat'])['Process'] });
  assert.equal(await sb.writeStdin('c2', 'e1', Buffer.from('hello stdin\n')), 12);
  // An empty write is end-of-stdin, as the kata-agent treats it.
  assert.equal(await sb.writeStdin('c2', 'e1', Buffer.alloc(0)), 0);
  assert.equal(await readAll('c2', 'e1'), 'hello stdin\n');
  assert.equal(await sb.waitProcess('c2', 'e1'), 0);
  await assert.rejects(sb.readOutput('c2', 'e1', 10, false), (e: AgentError) => e.kind === 'NOT_FOUND');
  await assert.rejects(
    sb.waitProcess('nope', ''),
    (e: AgentError) => e.kind === 'NOT_FOUND' && /nope/.test(e.message),
  );
  await sb.signalProcess('c2', '', 9);
  assert.equal(await sb.waitProcess('c2', ''), 137);
  await sb.removeContainer('c2', 5);
});

test('runtime: terminal exec with a window resize', { skip }, async () => {
  const rootfs = addRootfs(root, 'c3');
  await sb.createContainer({ container_id: 'c3', exec_id: 'c3', OCI: kataSpec(rootfs, ['sleep', '1000']) });
  await sb.startContainer('c3');
  const proc = kataSpec(rootfs, ['sh', '-c', 'read x; stty size'], { terminal: true })['Process'];
  await sb.execProcess({ container_id: 'c3', exec_id: 't1', process: proc });
  sb.resizeTerminal('c3', 't1', 33, 101);
  await sb.writeStdin('c3', 't1', Buffer.from('go\n'));
  const out = await readAll('c3', 't1');
  assert.match(out, /33 101/);
  assert.equal(await sb.waitProcess('c3', 't1'), 0);
  await sb.removeContainer('c3', 0);
  assert.deepEqual(
    mountsUnder(root).filter((m) => !m.includes('/ns/')),
    [],
  );
});

test('runtime: a terminal init process gets its console size; its exit code is kept', { skip }, async () => {
  const rootfs = addRootfs(root, 'c4');
  const spec = kataSpec(rootfs, ['sh', '-c', 'stty size; exit 5'], { terminal: true });
  (spec['Process'] as Record<string, unknown>)['ConsoleSize'] = { Height: 20, Width: 70 };
  await sb.createContainer({ container_id: 'c4', exec_id: 'c4', OCI: spec });
  await sb.startContainer('c4');
  assert.match(await readAll('c4', ''), /20 70/);
  assert.equal(await readAll('c4', '', true), '', 'a terminal has no separate stderr');
  assert.equal(await sb.waitProcess('c4', ''), 5);
  await sb.removeContainer('c4', 0);
});

test('runtime: RemoveContainer answers DEADLINE_EXCEEDED when clean-up outlasts its timeout', {
  skip,
}, async () => {
  // A runc whose `delete` is slow stands in for a container that will not go away in time.
  const dir = makeRoot('slow');
  const wrapper = join(dir, 'slow-runc');
  writeFileSync(
    wrapper,
    '#!/bin/sh\ncase " $* " in *" delete "*) sleep 3;; esac\nexec /usr/sbin/runc "$@"\n',
    { mode: 0o755 },
  );
  const slow = Sandbox.open({ root: dir, runc: wrapper });
  try {
    await slow.createSandbox({ sandbox_id: 'slow' });
    const rootfs = addRootfs(dir, 's1');
    await slow.createContainer({
      container_id: 's1',
      exec_id: 's1',
      OCI: kataSpec(rootfs, ['sleep', '1000']),
    });
    await slow.startContainer('s1');
    await assert.rejects(
      slow.removeContainer('s1', 1),
      (e: AgentError) => e.kind === 'DEADLINE_EXCEEDED' && /s1/.test(e.message),
    );
    await slow.destroy();
    assert.deepEqual(runcList(dir), []);
    assert.deepEqual(mountsUnder(dir), []);
  } finally {
    slow.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runtime: DestroySandbox unmounts what it mounted below the root, not a mount on the root itself', {
  skip,
}, async () => {
  const dir = makeRoot('tmpfs');
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', dir]);
  try {
    const s = Sandbox.open({ root: dir });
    await s.createSandbox({
      sandbox_id: 'tmpfsroot',
      storages: [
        {
          driver: 'ephemeral',
          source: 'tmpfs',
          fstype: 'tmpfs',
          mount_point: '/run/kata-containers/sandbox/shm',
        },
      ],
    });
    assert.ok(mountsUnder(dir).length >= 4, 'root, shm, ipc and uts namespaces');
    await s.destroy();
    s.close();
    assert.deepEqual(mountsUnder(dir), [dir]);
  } finally {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runtime: finished execs leave no file descriptor behind in the agent', { skip }, async () => {
  const rootfs = addRootfs(root, 'c5');
  await sb.createContainer({ container_id: 'c5', exec_id: 'c5', OCI: kataSpec(rootfs, ['sleep', '1000']) });
  await sb.startContainer('c5');
  const fds = (): number => readdirSync('/proc/self/fd').length;
  const run = async (i: number, terminal: boolean): Promise<void> => {
    const eid = `x${i}`;
    await sb.execProcess({
      container_id: 'c5',
      exec_id: eid,
      process: kataSpec(rootfs, ['echo', eid], { terminal })['Process'],
    });
    assert.match(await readAll('c5', eid), new RegExp(eid));
    if (!terminal) assert.equal(await readAll('c5', eid, true), '');
    assert.equal(await sb.waitProcess('c5', eid), 0);
  };
  await run(0, false);
  await run(1, true);
  const before = fds();
  for (let i = 2; i < 8; i++) await run(i, i % 3 === 0);
  // Socket handles close asynchronously; give libuv a turn.
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(fds(), before);
  await sb.removeContainer('c5', 0);
});
