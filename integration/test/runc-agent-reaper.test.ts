import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { Reaper } from '../runc-agent/runtime/reaper.js';
import { Errno, isChildSubreaper, reapPid, SysError } from '../sys/index.js';

const linux =
  process.platform === 'linux' ? undefined : 'prctl(PR_SET_CHILD_SUBREAPER) and waitpid by pid need Linux';

/**
 * Starts a shell that backgrounds `cmd` as one subshell and exits at once: the job is orphaned to
 * us while it runs. (Unparenthesized, `a; b & echo $!` backgrounds only `b`, which then exits
 * while the shell lives, and the shell may reap it first: the flake this test once had.)
 */
async function orphan(cmd: string): Promise<number> {
  const sh = spawn('sh', ['-c', `(${cmd}) & echo $!`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  sh.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  // 'close', not 'exit': exit can fire before stdout is drained, which left a partial pid.
  await once(sh, 'close');
  const pid = Number(out.trim());
  assert.ok(Number.isSafeInteger(pid) && pid > 0, `orphan pid from ${JSON.stringify(out)}`);
  return pid;
}

test('the reaper collects orphans by pid and leaves child_process exits to libuv', {
  skip: linux,
}, async () => {
  const reaper = Reaper.shared();
  assert.equal(isChildSubreaper(), true);
  const [o1, o2] = await Promise.all([orphan('sleep 1; exit 7'), orphan("sh -c 'sleep 1; kill -9 $$'")]);
  const watched = Promise.all([reaper.watch(o1), reaper.watch(o2)]);
  // While orphans are watched, Node's own children still report their exits.
  const kid = spawn('sh', ['-c', 'sleep 0.1; exit 5']);
  const [code] = (await once(kid, 'exit')) as [number | null];
  assert.equal(code, 5);
  const killed = spawn('sleep', ['5']);
  killed.kill('SIGKILL');
  const [, signal] = (await once(killed, 'exit')) as [number | null, string | null];
  assert.equal(signal, 'SIGKILL');
  assert.deepEqual(await watched, [{ code: 7 }, { code: 137, signal: 9 }]);
  assert.equal(reaper.size, 0);
});

test('reapPid refuses pids that would make waitpid collect a whole process group', {
  skip: linux,
}, async () => {
  for (const pid of [0, -1, -process.pid, 1.5, Number.NaN]) {
    assert.throws(
      () => reapPid(pid),
      (e: unknown) => e instanceof SysError && e.errno === Errno.EINVAL,
    );
    await assert.rejects(
      Reaper.shared().watch(pid),
      (e: unknown) => e instanceof SysError && e.errno === Errno.EINVAL,
    );
  }
  assert.equal(Reaper.shared().size, 0);
});
