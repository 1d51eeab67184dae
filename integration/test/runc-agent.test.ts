import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { StatusCode } from '../../proto/ttrpc/index.js';
import { type AgentClient, connectAgent, readToEof, spawnAgent } from './runc-agent-client.js';
import { addRootfs, kataSpec, makeRoot, mountsUnder, runcList, skipReason } from './runc-agent-fixtures.js';

const skip = skipReason();
let root = '';
let agent: ChildProcess | undefined;
let c: AgentClient;
const sock = (): string => join(root, 'agent.sock');
const record = (): string => join(root, 'requests.jsonl');

before(async () => {
  if (skip) return;
  root = makeRoot('pod');
  agent = await spawnAgent(root, sock(), record());
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
  assert.deepEqual(runcList(root), [], 'SIGTERM left runc containers');
  assert.deepEqual(mountsUnder(root), [], 'SIGTERM left mounts');
  rmSync(root, { recursive: true, force: true });
});

/** Whether the kernel accounts swap per cgroup (else a swap limit cannot be set). */
function swapAccounting(): boolean {
  return (
    existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes') ||
    existsSync('/sys/fs/cgroup/cgroup.controllers')
  );
}

/** Runs a test body and always destroys the sandbox afterwards, so one failure does not cascade. */
async function inSandbox(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    await c.call('DestroySandbox', {}).catch(() => undefined);
  }
}

function initPid(cid: string): number {
  const out = execFileSync('/usr/sbin/runc', ['--root', join(root, '.ward/runc'), 'state', cid], {
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { pid: number }).pid;
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test(
  'a pod as the Kata runtime drives it: output, exit codes, stdin, terminal, signals, clean-up',
  { skip },
  () =>
    inSandbox(async () => {
      assert.deepEqual(await c.call('Check', { service: '' }), { status: 1 });
      await c.call('CreateSandbox', {
        hostname: 'pod1',
        sandbox_id: 'pod1',
        dns: ['nameserver 10.0.0.10'],
        storages: [
          {
            driver: 'ephemeral',
            source: 'shm',
            fstype: 'tmpfs',
            options: ['size=1m'],
            mount_point: '/run/kata-containers/sandbox/shm',
          },
        ],
      });
      assert.ok(
        mountsUnder(root).some((m) => m.endsWith('/run/kata-containers/sandbox/shm')),
        'ephemeral storage is mounted',
      );

      const r1 = addRootfs(root, 'c1');
      await c.call('CreateContainer', {
        container_id: 'c1',
        exec_id: 'c1',
        OCI: kataSpec(r1, ['sh', '-c', 'echo hello; echo oops >&2; hostname; exit 3']),
      });
      await c.call('StartContainer', { container_id: 'c1' });
      const [out, err, wait] = await Promise.all([
        readToEof(c, 'ReadStdout', 'c1', 'c1'),
        readToEof(c, 'ReadStderr', 'c1', 'c1'),
        c.call('WaitProcess', { container_id: 'c1', exec_id: 'c1' }),
      ]);
      assert.equal(out, 'hello\npod1\n');
      assert.equal(err, 'oops\n');
      assert.equal(wait['status'], 3);
      await c.call('RemoveContainer', { container_id: 'c1', timeout: 10 });

      const r2 = addRootfs(root, 'c2');
      await c.call('CreateContainer', {
        container_id: 'c2',
        exec_id: 'c2',
        OCI: kataSpec(r2, ['sleep', '1000']),
      });
      await c.call('StartContainer', { container_id: 'c2' });
      const proc = (args: string[], terminal = false) => kataSpec(r2, args, { terminal })['Process'];

      await c.call('ExecProcess', {
        container_id: 'c2',
        exec_id: 'e0',
        process: proc(['sh', '-c', 'echo ok']),
      });
      assert.equal(await readToEof(c, 'ReadStdout', 'c2', 'e0'), 'ok\n');
      assert.equal((await c.call('WaitProcess', { container_id: 'c2', exec_id: 'e0' }))['status'], 0);

      await c.call('ExecProcess', { container_id: 'c2', exec_id: 'cat', process: proc(['cat']) });
      assert.equal(
        (await c.call('WriteStdin', { container_id: 'c2', exec_id: 'cat', data: Buffer.from('ping\n') }))[
          'len'
        ],
        5,
      );
      await c.call('CloseStdin', { container_id: 'c2', exec_id: 'cat' });
      assert.equal(await readToEof(c, 'ReadStdout', 'c2', 'cat'), 'ping\n');
      assert.equal((await c.call('WaitProcess', { container_id: 'c2', exec_id: 'cat' }))['status'], 0);

      await c.call('ExecProcess', {
        container_id: 'c2',
        exec_id: 'tty',
        process: proc(['sh', '-c', 'read x; stty size'], true),
      });
      await c.call('TtyWinResize', { container_id: 'c2', exec_id: 'tty', row: 40, column: 120 });
      await c.call('WriteStdin', { container_id: 'c2', exec_id: 'tty', data: Buffer.from('go\r') });
      assert.match(await readToEof(c, 'ReadStdout', 'c2', 'tty'), /40 120/);
      assert.equal((await c.call('WaitProcess', { container_id: 'c2', exec_id: 'tty' }))['status'], 0);

      await c.call('ExecProcess', { container_id: 'c2', exec_id: 'k', process: proc(['sleep', '1000']) });
      await c.call('SignalProcess', { container_id: 'c2', exec_id: 'k', signal: 9 });
      assert.equal((await c.call('WaitProcess', { container_id: 'c2', exec_id: 'k' }))['status'], 137);

      const stats = (await c.call('StatsContainer', { container_id: 'c2' }))['cgroup_stats'] as Record<
        string,
        Record<string, unknown>
      >;
      assert.ok(Number(stats['pids_stats']?.['current']) >= 1, 'pids counted');
      assert.ok(
        Number((stats['memory_stats']?.['usage'] as Record<string, unknown> | undefined)?.['usage']) > 0,
        'memory usage read',
      );
      await c.call('UpdateContainer', { container_id: 'c2', resources: { Pids: { Limit: 100 } } });
      await c.call('PauseContainer', { container_id: 'c2' });
      assert.equal(
        (await c.status('PauseContainer', { container_id: 'c2' })).code,
        StatusCode.FAILED_PRECONDITION,
      );
      await c.call('ResumeContainer', { container_id: 'c2' });

      const pid = initPid('c2');
      await c.call('SignalProcess', { container_id: 'c2', exec_id: '', signal: 9 });
      assert.equal((await c.call('WaitProcess', { container_id: 'c2', exec_id: 'c2' }))['status'], 137);
      await c.call('RemoveContainer', { container_id: 'c2', timeout: 10 });
      await c.call('DestroySandbox', {});
      assert.deepEqual(runcList(root), []);
      assert.deepEqual(mountsUnder(root), []);
      assert.equal(alive(pid), false);
      assert.equal(existsSync('/sys/fs/cgroup/pids/ward/pod1'), false, 'sandbox cgroup removed');

      const lines = readFileSync(record(), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { method: string; sha256: string });
      assert.equal(lines[0]?.method, 'Check');
      assert.equal(lines.filter((l) => l.method === 'ExecProcess').length, 4);
      assert.match(lines[1]?.sha256 ?? '', /^[0-9a-f]{64}$/);
    }),
);

test('two containers of one sandbox share its pid namespace when asked', { skip }, () =>
  inSandbox(async () => {
    await c.call('CreateSandbox', { hostname: 'pod2', sandbox_id: 'pod2', sandbox_pidns: false });
    const rp = addRootfs(root, 'pause');
    await c.call('CreateContainer', {
      container_id: 'pause',
      exec_id: 'pause',
      OCI: kataSpec(rp, ['sleep', '1000']),
    });
    await c.call('StartContainer', { container_id: 'pause' });
    const ra = addRootfs(root, 'app');
    await c.call('CreateContainer', {
      container_id: 'app',
      exec_id: 'app',
      sandbox_pidns: true,
      OCI: kataSpec(ra, ['sh', '-c', 'cat /proc/1/comm; ps -o comm | grep -c sleep']),
    });
    await c.call('StartContainer', { container_id: 'app' });
    const out = await readToEof(c, 'ReadStdout', 'app', 'app');
    assert.equal((await c.call('WaitProcess', { container_id: 'app', exec_id: 'app' }))['status'], 0);
    assert.equal(out, 'sleep\n1\n', 'pid 1 of the app is the sandbox container’s sleep');
    // Not asked: a container of the same sandbox has its own pid namespace.
    await c.call('CreateContainer', {
      container_id: 'solo',
      exec_id: 'solo',
      OCI: kataSpec(addRootfs(root, 'solo'), ['sh', '-c', 'cat /proc/1/comm; ps -o comm | grep -c sleep']),
    });
    await c.call('StartContainer', { container_id: 'solo' });
    const solo = await readToEof(c, 'ReadStdout', 'solo', 'solo');
    await c.call('WaitProcess', { container_id: 'solo', exec_id: 'solo' });
    assert.equal(solo, 'sh\n0\n');
    await c.call('DestroySandbox', {});
    assert.deepEqual(runcList(root), []);
  }),
);

test('bad input gets a clear status and the agent stays up', { skip }, () =>
  inSandbox(async () => {
    await c.call('CreateSandbox', { hostname: 'pod3', sandbox_id: 'pod3' });
    const r = addRootfs(root, 'b1');
    const noLinux = { ...kataSpec(r, ['true']), Linux: null };
    let s = await c.status('CreateContainer', { container_id: 'b1', OCI: noLinux });
    assert.equal(s.code, StatusCode.INVALID_ARGUMENT);
    assert.match(s.message, /OCI\.Linux/);
    const noArgs = kataSpec(r, []);
    s = await c.status('CreateContainer', { container_id: 'b1', OCI: noArgs });
    assert.equal(s.code, StatusCode.INVALID_ARGUMENT);
    assert.match(s.message, /OCI\.Process\.Args/);
    s = await c.status('CreateContainer', { container_id: '../etc', OCI: kataSpec(r, ['true']) });
    assert.equal(s.code, StatusCode.INVALID_ARGUMENT);
    assert.match(s.message, /container_id/);
    s = await c.status('CreateContainer', { container_id: 'b1', OCI: kataSpec('rootfs', ['true']) });
    assert.equal(s.code, StatusCode.INVALID_ARGUMENT);
    assert.match(s.message, /OCI\.Root\.Path/);

    s = await c.status('StartContainer', { container_id: 'ghost' });
    assert.equal(s.code, StatusCode.NOT_FOUND);
    assert.match(s.message, /ghost/);
    await c.call('CreateContainer', {
      container_id: 'b1',
      exec_id: 'b1',
      OCI: kataSpec(r, ['sleep', '1000']),
    });
    assert.equal(
      (await c.status('CreateContainer', { container_id: 'b1', OCI: kataSpec(r, ['true']) })).code,
      StatusCode.ALREADY_EXISTS,
    );
    await c.call('StartContainer', { container_id: 'b1' });
    s = await c.status('WaitProcess', { container_id: 'b1', exec_id: 'nope' });
    assert.equal(s.code, StatusCode.NOT_FOUND);
    assert.match(s.message, /nope/);

    await c.call('ExecProcess', {
      container_id: 'b1',
      exec_id: 'done',
      process: kataSpec(r, ['echo', 'x'])['Process'],
    });
    assert.equal(
      (
        await c.status('ExecProcess', {
          container_id: 'b1',
          exec_id: 'done',
          process: kataSpec(r, ['true'])['Process'],
        })
      ).code,
      StatusCode.ALREADY_EXISTS,
    );
    assert.equal(await readToEof(c, 'ReadStdout', 'b1', 'done'), 'x\n');
    await c.call('WaitProcess', { container_id: 'b1', exec_id: 'done' });
    s = await c.status('ReadStdout', { container_id: 'b1', exec_id: 'done', len: 10 });
    assert.equal(s.code, StatusCode.NOT_FOUND, 'ReadStdout of a finished, collected process');

    const big = {
      path: '/run/kata-containers/shared/containers/f',
      file_size: 4 << 20,
      file_mode: 0o644,
      dir_mode: 0o755,
      offset: 0,
    };
    s = await c.status('CopyFile', { ...big, data: Buffer.alloc((4 << 20) - 32 * 1024) });
    assert.equal(s.code, StatusCode.RESOURCE_EXHAUSTED, 'a chunk near 4 MiB is refused by the agent');
    s = await c.status('CopyFile', { ...big, path: '/etc/passwd', data: Buffer.from('x') });
    assert.equal(s.code, StatusCode.INVALID_ARGUMENT);
    await c.call('CopyFile', { ...big, file_size: 5, data: Buffer.from('hello') });
    assert.equal(readFileSync(join(root, big.path), 'utf8'), 'hello');

    assert.equal(
      (await c.status('SetPolicy', { policy: 'package agent_policy' })).code,
      StatusCode.UNIMPLEMENTED,
    );
    assert.equal((await c.call('OnlineCPUMem', { wait: true, nb_cpus: 2 })) !== undefined, true);
    assert.deepEqual(await c.call('Check', {}), { status: 1 });
    await c.call('DestroySandbox', {});
  }),
);

test('GetOOMEvent blocks until a container is OOM-killed and names it', { skip }, () =>
  inSandbox(async () => {
    await c.call('CreateSandbox', { hostname: 'pod4', sandbox_id: 'pod4' });
    const r = addRootfs(root, 'hog');
    const spec = kataSpec(r, ['sh', '-c', 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived']);
    spec['Linux'] = {
      ...(spec['Linux'] as object),
      Resources: { Memory: { Limit: 16 << 20, ...(swapAccounting() ? { Swap: 16 << 20 } : {}) } },
    };
    await c.call('CreateContainer', { container_id: 'hog', exec_id: 'hog', OCI: spec });
    const oom = c.call('GetOOMEvent', {});
    await c.call('StartContainer', { container_id: 'hog' });
    assert.equal((await c.call('WaitProcess', { container_id: 'hog', exec_id: 'hog' }))['status'], 137);
    assert.deepEqual(await oom, { container_id: 'hog' });
    assert.equal(
      (
        await c.status('CreateContainer', {
          container_id: 'dev',
          OCI: kataSpec(r, ['true']),
          devices: [{ id: 'x', type: 'blk' }],
        })
      ).code,
      StatusCode.INVALID_ARGUMENT,
    );
  }),
);
