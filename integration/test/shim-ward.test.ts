import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { podSocketPath, WORKER_NODE_FLAGS } from '../../shim/index.js';
import {
  BUSYBOX_IMAGE,
  buildBusyboxImage,
  busyboxSpec,
  startWardContainerd,
  WARD_RUNTIME,
  type WardContainerd,
} from '../index.js';

// Acceptance of containerd-shim-ward-v2 against Debian's containerd 1.6 (a private instance),
// the local sandbox driver and ward-runc-agent underneath.
const isRoot = process.getuid?.() === 0;
let w: WardContainerd | undefined;
let imagesDir = '';

const RT = ['--runtime', WARD_RUNTIME];

before(async () => {
  if (!isRoot) return;
  imagesDir = await mkdtemp(join(tmpdir(), 'ward-images-'));
  const image = await buildBusyboxImage(busyboxSpec(), imagesDir);
  w = await startWardContainerd();
  await w.cd.importImage(image.tarball);
});

after(async () => {
  await w?.stop();
  if (imagesDir) await rm(imagesDir, { recursive: true, force: true });
});

function need(t: { skip: (m: string) => void }): WardContainerd | undefined {
  if (!w) t.skip('needs root to run containerd, runc and mounts');
  return w;
}

/** Writes a Ward config into the run dir and runs `ctr run --rm` of the busybox image with it. */
async function runWithConfig(x: WardContainerd, file: string, toml: string, id: string, cmd: string[]) {
  const path = join(x.runDir, file);
  await writeFile(path, toml);
  return x.cd.ctr(['run', '--rm', ...RT, '--runtime-config-path', path, BUSYBOX_IMAGE, id, ...cmd]);
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

/**
 * `ctr events`, once it is surely subscribed: it started as a process, but containerd only
 * sends it what is published after its subscription, so a marker container is created (and
 * removed) until its /containers/create shows up. A fixed sleep lost early events under load.
 */
async function watchEvents(
  x: WardContainerd,
): Promise<{ ev: ReturnType<WardContainerd['cd']['spawnCtr']>; seen: () => string }> {
  const ev = x.cd.spawnCtr(['events']);
  let text = '';
  ev.stdout?.on('data', (b: Buffer) => {
    text += b.toString();
  });
  for (let i = 0; ; i++) {
    const marker = `w-events-marker-${process.pid}-${i}`;
    await x.cd.ctrOk(['containers', 'create', BUSYBOX_IMAGE, marker]);
    await x.cd.ctrOk(['containers', 'delete', marker]);
    const subscribed = await until(async () => text.includes(marker), 2_000).then(
      () => true,
      () => false,
    );
    if (subscribed) break;
    if (i >= 10) throw new Error('ctr events never reported a marker container');
  }
  return { ev, seen: () => text };
}

/** A process whose command line is `cmdline` and whose ancestry includes `ancestor`. */
async function pidOf(cmdline: string, ancestor: number): Promise<number | undefined> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if ((await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')) !== cmdline) continue;
    let pid = Number(name);
    for (let i = 0; i < 10 && pid > 1; i++) {
      if (pid === ancestor) return Number(name);
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? 0);
    }
  }
  return undefined;
}

async function goneOrZombie(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat === '' || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

async function taskStatus(x: WardContainerd, id: string): Promise<string> {
  const ls = await x.cd.ctr(['tasks', 'ls']);
  const line = ls.stdout.split('\n').find((l) => l.startsWith(`${id} `));
  return line?.trim().split(/\s+/)[2] ?? '';
}

test('ctr run --rm echo prints the output through Ward', async (t) => {
  const x = need(t);
  if (!x) return;
  const r = await x.cd.ctr(['run', '--rm', ...RT, BUSYBOX_IMAGE, 'w-echo', 'echo', 'hello from ward']);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'hello from ward\n');
  assert.equal(r.code, 0);
  // The task's pino lines reach containerd through the bundle's `log` fifo.
  const log = await readFile(x.cd.paths.log, 'utf8');
  assert.match(log, /\{"level":30,[^\n]*"id":"w-echo"[^\n]*"msg":"container created"\}/);
});

test('exit status 3 becomes ctr exit code 3; stderr is relayed', async (t) => {
  const x = need(t);
  if (!x) return;
  const r = await x.cd.ctr([
    'run',
    '--rm',
    ...RT,
    BUSYBOX_IMAGE,
    'w-exit',
    'sh',
    '-c',
    'echo oops >&2; exit 3',
  ]);
  assert.equal(r.code, 3);
  assert.equal(r.stderr, 'oops\n');
});

test('ctr task kill -s KILL ends ctr run with 137', async (t) => {
  const x = need(t);
  if (!x) return;
  const run = x.cd.spawnCtr(['run', '--rm', ...RT, BUSYBOX_IMAGE, 'w-kill', 'sleep', '600']);
  run.stdin?.end();
  const done = new Promise<number>((r) => run.once('close', (c) => r(c ?? -1)));
  await until(async () => (await taskStatus(x, 'w-kill')) === 'RUNNING');
  await x.cd.ctrOk(['tasks', 'kill', '-s', 'KILL', 'w-kill']);
  assert.equal(await done, 137);
});

test('ls, ps, pause, resume, exec with stdin, kill and delete of a detached task', async (t) => {
  const x = need(t);
  if (!x) return;
  const id = 'w-life';
  await x.cd.ctrOk(['run', '-d', ...RT, BUSYBOX_IMAGE, id, 'sleep', '600']);
  assert.equal(await taskStatus(x, id), 'RUNNING');
  const ps = await x.cd.ctrOk(['tasks', 'ps', id]);
  assert.match(ps, /^PID/m);
  assert.match(ps, /^\d+/m);
  await x.cd.ctrOk(['tasks', 'pause', id]);
  assert.equal(await taskStatus(x, id), 'PAUSED');
  const again = await x.cd.ctr(['tasks', 'pause', id]);
  assert.notEqual(again.code, 0, 'pausing a paused task is refused');
  await x.cd.ctrOk(['tasks', 'resume', id]);
  assert.equal(await taskStatus(x, id), 'RUNNING');
  const ex = await x.cd.ctr(['tasks', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'tr a-z A-Z'], {
    input: 'piped stdin\n',
  });
  assert.equal(ex.code, 0, ex.stderr);
  assert.equal(ex.stdout, 'PIPED STDIN\n');
  const ex3 = await x.cd.ctr(['tasks', 'exec', '--exec-id', 'e2', id, 'sh', '-c', 'exit 5']);
  assert.equal(ex3.code, 5);
  // Stats: the agent's cgroup figures as cgroups v1 Metrics, which ctr decodes.
  const metrics = await x.cd.ctrOk(['tasks', 'metrics', id]);
  assert.match(metrics, /memory\.usage_in_bytes\s+[1-9]\d*/);
  assert.match(metrics, /pids\.current\s+[1-9]/);
  const cp = await x.cd.ctr(['tasks', 'checkpoint', id]);
  assert.notEqual(cp.code, 0);
  assert.match(cp.stderr, /not supported by Ward/);
  const early = await x.cd.ctr(['tasks', 'delete', id]);
  assert.notEqual(early.code, 0, 'a running task cannot be deleted');
  // --all: the agent signals every process of the container (exec_id empty, as Kata sends it).
  await x.cd.ctrOk(['tasks', 'kill', '--all', '-s', 'KILL', id]);
  await until(async () => (await taskStatus(x, id)) === 'STOPPED');
  await x.cd.ctrOk(['tasks', 'delete', id]);
  await x.cd.ctrOk(['containers', 'delete', id]);
  assert.equal(await taskStatus(x, id), '');
});

// ctr resizes right after Start, as with runc: the command waits (up to 5 s, it was a fixed
// 0.3 s that a loaded host overran) for the size before printing it.
test('-t gives the container a terminal with the size ctr set', async (t) => {
  const x = need(t);
  if (!x) return;
  const ctr = `ctr -a ${x.cd.address} -n ward-test run -t --rm --runtime ${WARD_RUNTIME} ${BUSYBOX_IMAGE} w-tty sh -c 'for i in $(seq 100); do [ "$(stty size)" = "45 123" ] && break; sleep 0.05; done; stty size; tty'`;
  const r = await new Promise<{ code: number; out: string }>((resolve) => {
    const p = spawn('script', ['-qec', `stty cols 123 rows 45; ${ctr}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${process.env['PATH']}` },
    });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (out += b.toString()));
    p.stdin.end();
    p.once('close', (code) => resolve({ code: code ?? -1, out }));
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /45 123/);
  assert.match(r.out, /\/dev\/pts\/\d+/);
});

test('--runtime-config-path picks the Ward config; a bad key fails start with the key named', async (t) => {
  const x = need(t);
  if (!x) return;
  const r = await runWithConfig(
    x,
    'good.toml',
    'log_level = "debug"\n[sandbox.local]\nagent = "process"\n',
    'w-cfg',
    ['echo', 'configured'],
  );
  assert.equal(r.stdout, 'configured\n', r.stderr);
  const b = await runWithConfig(x, 'bad.toml', '[sandbox]\ndriverr = "local"\n', 'w-badcfg', ['true']);
  assert.notEqual(b.code, 0);
  assert.match(b.stderr, /sandbox\.driverr: unknown key/);
  const bv = await runWithConfig(x, 'bad-value.toml', '[agent]\ndial_timeout_ms = -1\n', 'w-badval', [
    'true',
  ]);
  assert.match(bv.stderr, /agent\.dial_timeout_ms: must be an integer/);
  await x.cd.ctr(['containers', 'delete', 'w-badcfg']);
  await x.cd.ctr(['containers', 'delete', 'w-badval']);
  assert.equal((await x.workers()).has('w-badcfg'), false);
});

test('two containers with one sandbox-id annotation share one worker and one sandbox', async (t) => {
  const x = need(t);
  if (!x) return;
  const ann = ['--annotation', 'io.kubernetes.cri.sandbox-id=pod-a'];
  await x.cd.ctrOk(['run', '-d', ...RT, ...ann, BUSYBOX_IMAGE, 'pod-a', 'sleep', '600']);
  await x.cd.ctrOk(['run', '-d', ...RT, ...ann, BUSYBOX_IMAGE, 'pod-a-c2', 'sleep', '600']);
  const workers = await x.workers();
  assert.ok(workers.has('pod-a'));
  assert.equal(workers.has('pod-a-c2'), false, 'the second container joined pod-a');
  // Per-pod memory depends on the worker's V8 flags: they must reach the worker's command line.
  const argv = (await readFile(`/proc/${workers.get('pod-a')}/cmdline`, 'utf8')).split('\0');
  for (const flag of WORKER_NODE_FLAGS)
    assert.ok(argv.includes(flag), `worker runs with ${flag}: ${argv.join(' ')}`);
  const r = await x.cd.ctr(['tasks', 'exec', '--exec-id', 'e', 'pod-a-c2', 'echo', 'in c2']);
  assert.equal(r.stdout, 'in c2\n');
  for (const id of ['pod-a-c2', 'pod-a']) {
    await x.cd.ctrOk(['tasks', 'kill', '-s', 'KILL', id]);
    await until(async () => (await taskStatus(x, id)) === 'STOPPED');
    await x.cd.ctrOk(['tasks', 'delete', id]);
    await x.cd.ctrOk(['containers', 'delete', id]);
  }
  await until(async () => !(await x.workers()).has('pod-a'));
});

test('containerd restarts while a Ward task runs: the task survives and is still managed', async (t) => {
  const x = need(t);
  if (!x) return;
  await x.cd.ctrOk(['run', '-d', ...RT, BUSYBOX_IMAGE, 'w-restart', 'sleep', '600']);
  await x.cd.restart();
  assert.equal(await taskStatus(x, 'w-restart'), 'RUNNING');
  const r = await x.cd.ctr(['tasks', 'exec', '--exec-id', 'after', 'w-restart', 'echo', 'still here']);
  assert.equal(r.stdout, 'still here\n', r.stderr);
  await x.cd.ctrOk(['tasks', 'kill', '-s', 'KILL', 'w-restart']);
  await until(async () => (await taskStatus(x, 'w-restart')) === 'STOPPED');
  await x.cd.ctrOk(['tasks', 'delete', 'w-restart']);
  await x.cd.ctrOk(['containers', 'delete', 'w-restart']);
});

test('kill -9 of the worker serving pod A: A is reported exited and cleaned; pod B keeps working', async (t) => {
  const x = need(t);
  if (!x) return;
  await x.cd.ctrOk(['run', '-d', ...RT, BUSYBOX_IMAGE, 'iso-a', 'sleep', '600']);
  await x.cd.ctrOk(['run', '-d', ...RT, BUSYBOX_IMAGE, 'iso-b', 'sleep', '600']);
  const workers = await x.workers();
  const a = workers.get('iso-a');
  const b = workers.get('iso-b');
  assert.ok(a && b && a !== b, 'each pod has its own worker');
  const address = (
    await readFile(
      join(x.cd.paths.state, 'io.containerd.runtime.v2.task', 'ward-test', 'iso-a', 'address'),
      'utf8',
    )
  ).replace('unix://', '');
  assert.ok(existsSync(address));
  const sleeper = await pidOf('sleep\u0000600\u0000', a);
  process.kill(a, 'SIGKILL');
  // containerd runs `delete` in Node for A (a real clean-up): allow for a loaded CI machine.
  await until(async () => ['STOPPED', ''].includes(await taskStatus(x, 'iso-a')), 60_000);
  await until(async () => !(await x.workers()).has('iso-a'), 60_000);
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  assert.equal(mounts.includes(`${x.runDir}/pods/`) && mounts.includes('iso-a'), false);
  const leftovers = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .filter((l) => l.includes('/iso-a/'));
  assert.deepEqual(leftovers, []);
  assert.equal(existsSync(address), false, "A's socket is removed");
  // Killed processes of a dead worker are reparented to pid 1, which may reap them late: a
  // zombie counts as gone.
  if (sleeper) assert.ok(await goneOrZombie(sleeper), "A's container process is gone");
  const r = await x.cd.ctr(['tasks', 'exec', '--exec-id', 'eb', 'iso-b', 'echo', 'b alive']);
  assert.equal(r.stdout, 'b alive\n');
  await x.cd.ctrOk(['tasks', 'kill', '-s', 'KILL', 'iso-b']);
  await until(async () => (await taskStatus(x, 'iso-b')) === 'STOPPED');
  await x.cd.ctrOk(['tasks', 'delete', 'iso-b']);
  await x.cd.ctr(['tasks', 'delete', 'iso-a']);
  await x.cd.ctrOk(['containers', 'delete', 'iso-a']);
  await x.cd.ctrOk(['containers', 'delete', 'iso-b']);
  assert.equal(existsSync(`/proc/${a}`), false);
});

test('events reach containerd in order: create, start, exec-added, exec-started, exit, paused/resumed, delete', async (t) => {
  const x = need(t);
  if (!x) return;
  const watch = await watchEvents(x);
  const ev = watch.ev;
  const id = 'w-events';
  await x.cd.ctrOk(['run', '-d', ...RT, BUSYBOX_IMAGE, id, 'sleep', '600']);
  await x.cd.ctrOk(['tasks', 'exec', '--exec-id', 'ev-exec', id, 'true']);
  await x.cd.ctrOk(['tasks', 'pause', id]);
  await x.cd.ctrOk(['tasks', 'resume', id]);
  await x.cd.ctrOk(['tasks', 'kill', '-s', 'KILL', id]);
  await until(async () => (await taskStatus(x, id)) === 'STOPPED');
  await x.cd.ctrOk(['tasks', 'delete', id]);
  await x.cd.ctrOk(['containers', 'delete', id]);
  await until(async () => watch.seen().includes('/tasks/delete'));
  ev.kill();
  const topics = watch
    .seen()
    .split('\n')
    .filter((l) => l.includes(`"${id}"`) && / \/tasks\//.test(l))
    .map((l) => / (\/tasks\/[a-z-]+) /.exec(l)?.[1]);
  assert.deepEqual(topics, [
    '/tasks/create',
    '/tasks/start',
    '/tasks/exec-added',
    '/tasks/exec-started',
    '/tasks/exit',
    '/tasks/paused',
    '/tasks/resumed',
    '/tasks/exit',
    '/tasks/delete',
  ]);
});

test('local driver over hybrid vsock: the shim dials CONNECT 1024 through a muxer socket', async (t) => {
  const x = need(t);
  if (!x) return;
  const r = await runWithConfig(x, 'hvsock.toml', '[sandbox.local]\ntransport = "hvsock"\n', 'w-hvsock', [
    'echo',
    'over hvsock',
  ]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'over hvsock\n');
});

test('log URIs: file:// appends the output to a file, binary:// hands it to a logger process', async (t) => {
  const x = need(t);
  if (!x) return;
  const file = join(x.runDir, 'logs-test', 'out.log');
  const f = await x.cd.ctr([
    'run',
    '--rm',
    ...RT,
    '--log-uri',
    `file://${file}`,
    BUSYBOX_IMAGE,
    'w-logfile',
    'sh',
    '-c',
    'echo to-file; echo err-file >&2',
  ]);
  assert.equal(f.code, 0, f.stderr);
  await until(async () => (await readFile(file, 'utf8').catch(() => '')).includes('err-file'));
  const content = await readFile(file, 'utf8');
  assert.match(content, /to-file\n/);
  assert.match(content, /err-file\n/);
  // A logger as containerd's shims run it: stdout on fd 3, stderr on fd 4, ready pipe on fd 5.
  const logger = join(x.runDir, 'logger.sh');
  const sink = join(x.runDir, 'logger-out');
  await writeFile(
    logger,
    `#!/bin/sh\nexec 5>&-\ncat <&3 > "${sink}.$1.out" &\ncat <&4 > "${sink}.$1.err" &\nwait\n`,
    { mode: 0o755 },
  );
  const b = await x.cd.ctr([
    'run',
    '--rm',
    ...RT,
    '--log-uri',
    `binary://${logger}?tag`,
    BUSYBOX_IMAGE,
    'w-logbin',
    'sh',
    '-c',
    'echo to-binary; echo err-binary >&2',
  ]);
  assert.equal(b.code, 0, b.stderr);
  await until(async () => (await readFile(`${sink}.tag.err`, 'utf8').catch(() => '')) === 'err-binary\n');
  assert.equal(await readFile(`${sink}.tag.out`, 'utf8'), 'to-binary\n');
});

test('an OOM kill inside the sandbox reaches containerd as /tasks/oom, the task exits 137', async (t) => {
  const x = need(t);
  if (!x) return;
  const watch = await watchEvents(x);
  const ev = watch.ev;
  const id = 'w-oom';
  const limit = String(16 * 1024 * 1024);
  await x.cd.ctrOk([
    'run',
    '-d',
    ...RT,
    '--memory-limit',
    limit,
    BUSYBOX_IMAGE,
    id,
    'sh',
    '-c',
    'x=a; while :; do x="$x$x"; done',
  ]);
  // The agent polls the memory cgroup's OOM counter, so the event may follow the exit.
  await until(
    async () => watch.seen().includes('/tasks/oom') && watch.seen().includes(`"${id}"`),
    20_000,
  ).catch(() => undefined);
  ev.kill();
  assert.match(watch.seen(), /\/tasks\/exit [^\n]*"container_id":"w-oom"[^\n]*"exit_status":137/);
  assert.match(watch.seen(), /\/tasks\/oom \{"container_id":"w-oom"\}/);
  await x.cd.ctrOk(['tasks', 'delete', id]);
  await x.cd.ctrOk(['containers', 'delete', id]);
});

test('the shim daemon killed: running pods keep working, the next start brings a new daemon', async (t) => {
  const x = need(t);
  if (!x) return;
  await x.cd.ctrOk(['run', '-d', ...RT, BUSYBOX_IMAGE, 'w-survivor', 'sleep', '600']);
  const daemonPid = Number(await readFile(join(x.runDir, 'daemon.pid'), 'utf8'));
  process.kill(daemonPid, 'SIGKILL');
  await until(async () => goneOrZombie(daemonPid));
  const ex = await x.cd.ctr([
    'tasks',
    'exec',
    '--exec-id',
    'after-daemon',
    'w-survivor',
    'echo',
    'still served',
  ]);
  assert.equal(ex.stdout, 'still served\n', ex.stderr);
  const r = await x.cd.ctr(['run', '--rm', ...RT, BUSYBOX_IMAGE, 'w-newdaemon', 'echo', 'new daemon']);
  assert.equal(r.stdout, 'new daemon\n', r.stderr);
  assert.notEqual(Number(await readFile(join(x.runDir, 'daemon.pid'), 'utf8')), daemonPid);
  await x.cd.ctrOk(['tasks', 'kill', '-s', 'KILL', 'w-survivor']);
  await until(async () => (await taskStatus(x, 'w-survivor')) === 'STOPPED');
  await x.cd.ctrOk(['tasks', 'delete', 'w-survivor']);
  await x.cd.ctrOk(['containers', 'delete', 'w-survivor']);
});

test('a stale file where the pod socket goes is replaced', async (t) => {
  const x = need(t);
  if (!x) return;
  const id = 'w-stale';
  const path = podSocketPath('/run/containerd/s', x.cd.address, 'ward-test', id);
  await writeFile(path, 'stale');
  const r = await x.cd.ctr(['run', '--rm', ...RT, BUSYBOX_IMAGE, id, 'echo', 'fresh socket']);
  assert.equal(r.stdout, 'fresh socket\n', r.stderr);
});
