import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectAgent, spawnAgent } from './runc-agent-client.js';
import { addRootfs, kataSpec, makeRoot, mountsUnder, runcList, skipReason } from './runc-agent-fixtures.js';

const skip = skipReason();

function gone(pid: number): boolean {
  try {
    // A zombie waiting for pid 1 to reap it counts as gone: it runs nothing.
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

test('kill -9 of the agent mid-pod: a restarted agent destroys the sandbox and leaves nothing', {
  skip,
}, async () => {
  const root = makeRoot('kill');
  const sock = join(root, 'a.sock');
  let agent = await spawnAgent(root, sock);
  try {
    let c = await connectAgent(sock);
    await c.call('CreateSandbox', {
      hostname: 'podk',
      sandbox_id: 'podk',
      storages: [
        {
          driver: 'ephemeral',
          source: 'tmpfs',
          fstype: 'tmpfs',
          mount_point: '/run/kata-containers/sandbox/eph',
        },
      ],
    });
    const r = addRootfs(root, 'k1');
    await c.call('CreateContainer', {
      container_id: 'k1',
      exec_id: 'k1',
      OCI: kataSpec(r, ['sleep', '1000']),
    });
    await c.call('StartContainer', { container_id: 'k1' });
    await c.call('ExecProcess', {
      container_id: 'k1',
      exec_id: 'x',
      process: kataSpec(r, ['sleep', '999'])['Process'],
    });
    const state = JSON.parse(
      execFileSync('/usr/sbin/runc', ['--root', join(root, '.ward/runc'), 'state', 'k1'], {
        encoding: 'utf8',
      }),
    ) as { pid: number };
    assert.ok(mountsUnder(root).length >= 1);
    c.close();
    const died = new Promise((res) => agent.once('exit', res));
    agent.kill('SIGKILL');
    await died;
    assert.deepEqual(runcList(root), ['k1'], 'the container outlives the killed agent');

    agent = await spawnAgent(root, sock);
    c = await connectAgent(sock);
    const s = await c.status('WaitProcess', { container_id: 'k1', exec_id: '' });
    assert.equal(s.code, 9, 'a recovered container answers FAILED_PRECONDITION for process calls');
    await c.call('DestroySandbox', {});
    c.close();
    assert.deepEqual(runcList(root), []);
    assert.deepEqual(mountsUnder(root), []);
    for (let i = 0; i < 100 && !gone(state.pid); i++) await new Promise((res) => setTimeout(res, 20));
    assert.ok(gone(state.pid), `container init ${state.pid} is gone`);
  } finally {
    if (agent.exitCode === null) {
      const exited = new Promise((res) => agent.once('exit', res));
      agent.kill('SIGTERM');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  }
});

test('SIGTERM to the agent mid-pod destroys the sandbox: no container, mount or process left', {
  skip,
}, async () => {
  const root = makeRoot('term');
  const sock = join(root, 'a.sock');
  const agent = await spawnAgent(root, sock);
  try {
    const c = await connectAgent(sock);
    await c.call('CreateSandbox', { hostname: 'podt', sandbox_id: 'podt' });
    const r = addRootfs(root, 't1');
    await c.call('CreateContainer', {
      container_id: 't1',
      exec_id: 't1',
      OCI: kataSpec(r, ['sleep', '1000']),
    });
    await c.call('StartContainer', { container_id: 't1' });
    const pid = (
      JSON.parse(
        execFileSync('/usr/sbin/runc', ['--root', join(root, '.ward/runc'), 'state', 't1'], {
          encoding: 'utf8',
        }),
      ) as {
        pid: number;
      }
    ).pid;
    c.close();
    const exited = new Promise<number | null>((res) => agent.once('exit', (code) => res(code)));
    agent.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(runcList(root), []);
    assert.deepEqual(mountsUnder(root), []);
    assert.ok(gone(pid), `container init ${pid} is gone`);
  } finally {
    if (agent.exitCode === null) agent.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});
