import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUSYBOX_IMAGE,
  buildBusyboxImage,
  busyboxSpec,
  RUNC_RUNTIME,
  startWardContainerd,
  WARD_RUNTIME,
  type WardContainerd,
} from '../integration/index.js';
import type { BenchSuite } from './suites.js';
import { type BenchTable, fmt, percentile } from './table.js';

/** Runs per runtime for the warm `ctr run --rm busybox true` figure. */
const WARM_RUNS = 20;

/** Cold starts measured (each after stopping Ward's daemon and its warm pool). */
const COLD_RUNS = 5;

/** Pods kept running for the memory figure. */
const MEMORY_PODS = 20;

interface Mem {
  readonly pss: number;
  readonly rss: number;
}

async function memOf(pid: number): Promise<Mem> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { pss: kb('Pss') / 1024, rss: kb('Rss') / 1024 };
}

async function sumMem(pids: readonly number[]): Promise<Mem> {
  let pss = 0;
  let rss = 0;
  for (const pid of pids) {
    const m = await memOf(pid);
    pss += m.pss;
    rss += m.rss;
  }
  return { pss, rss };
}

async function timeRun(w: WardContainerd, runtime: string, id: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const r = await w.cd.ctr(['run', '--rm', '--runtime', runtime, BUSYBOX_IMAGE, id, 'true']);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.code !== 0) throw new Error(`ctr run ${runtime} failed: ${r.stderr.trim()}`);
  return ms;
}

/** Every pid whose command line contains `needle` (Ward's daemon and workers by their main.js). */
async function pidsMatching(pred: (argv: string[]) => boolean): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const argv = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (pred(argv)) out.push(Number(name));
  }
  return out;
}

async function childrenOf(parent: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? 0);
    if (ppid === parent) out.push(Number(name));
  }
  return out;
}

async function stopDaemon(w: WardContainerd): Promise<void> {
  const pid = Number(await readFile(join(w.runDir, 'daemon.pid'), 'utf8').catch(() => '0'));
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
    // Gone, or a zombie waiting for init to reap it: either way it serves nothing.
    for (let i = 0; i < 100; i++) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      if (stat === '' || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  await rm(join(w.runDir, 'daemon.pid'), { force: true });
}

async function latency(w: WardContainerd): Promise<BenchTable> {
  await timeRun(w, WARD_RUNTIME, 'warmup-ward');
  await timeRun(w, RUNC_RUNTIME, 'warmup-runc');
  const ward: number[] = [];
  const runc: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    ward.push(await timeRun(w, WARD_RUNTIME, `bw-${i}`));
    runc.push(await timeRun(w, RUNC_RUNTIME, `br-${i}`));
  }
  const cold: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    await stopDaemon(w);
    cold.push(await timeRun(w, WARD_RUNTIME, `bc-${i}`));
  }
  const wm = percentile(ward, 50);
  const rm50 = percentile(runc, 50);
  const cm = percentile(cold, 50);
  return {
    title: `ctr run --rm busybox true: wall time (ms), median of ${WARM_RUNS} (cold: ${COLD_RUNS})`,
    headers: ['runtime', 'p50 ms', 'p90 ms', 'ratio vs runc.v2'],
    rows: [
      [RUNC_RUNTIME, fmt(rm50, 1), fmt(percentile(runc, 90), 1), '1.00'],
      [`${WARD_RUNTIME} warm`, fmt(wm, 1), fmt(percentile(ward, 90), 1), fmt(wm / rm50)],
      [`${WARD_RUNTIME} cold`, fmt(cm, 1), fmt(percentile(cold, 90), 1), fmt(cm / rm50)],
    ],
    notes: [
      `warm goal: ratio <= 1.5 (measured ${fmt(wm / rm50)}); cold = shim daemon and warm pool stopped before each run`,
      'local driver, in-process ward-runc-agent; each Ward pod crosses two real sockets (containerd->worker, worker->agent)',
    ],
  };
}

async function memory(w: WardContainerd): Promise<BenchTable> {
  const ids = Array.from({ length: MEMORY_PODS }, (_, i) => i);
  for (const i of ids)
    await w.cd.ctrOk(['run', '-d', '--runtime', WARD_RUNTIME, BUSYBOX_IMAGE, `mw-${i}`, 'sleep', '600']);
  for (const i of ids)
    await w.cd.ctrOk(['run', '-d', '--runtime', RUNC_RUNTIME, BUSYBOX_IMAGE, `mr-${i}`, 'sleep', '600']);
  const workers = [...(await w.workers()).values()];
  const daemonPid = Number(await readFile(join(w.runDir, 'daemon.pid'), 'utf8').catch(() => '0'));
  // Every worker is a child of this run's daemon; the ones not serving a pod are the warm pool.
  const idle = (await childrenOf(daemonPid)).filter((p) => !workers.includes(p));
  const agents = await pidsMatching(
    (a) => a.some((x) => x.endsWith('ward-runc-agent')) && a.some((x) => x.includes(w.runDir)),
  );
  const runcShims: number[] = [];
  for (const p of await w.cd.shimPids()) {
    const argv = (await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv.some((x) => x.endsWith('containerd-shim-runc-v2'))) runcShims.push(p);
  }
  const wm = await sumMem(workers);
  const dm = await sumMem([daemonPid, ...idle]);
  const am = await sumMem(agents);
  const rm = await sumMem(runcShims);
  const per = (m: Mem, n: number): string =>
    `${fmt(m.pss / Math.max(n, 1), 1)} / ${fmt(m.rss / Math.max(n, 1), 1)}`;
  for (const i of ids) {
    for (const id of [`mw-${i}`, `mr-${i}`]) {
      await w.cd.ctr(['tasks', 'kill', '-s', 'KILL', id]);
    }
  }
  return {
    title: `memory with ${MEMORY_PODS} pods running (MiB)`,
    headers: ['processes', 'count', 'PSS total', 'RSS total', 'PSS / RSS per pod'],
    rows: [
      [
        'runc shims (containerd-shim-runc-v2)',
        String(runcShims.length),
        fmt(rm.pss, 1),
        fmt(rm.rss, 1),
        per(rm, MEMORY_PODS),
      ],
      [
        'Ward pod workers (agent in-process)',
        String(workers.length),
        fmt(wm.pss, 1),
        fmt(wm.rss, 1),
        per(wm, MEMORY_PODS),
      ],
      [
        'Ward daemon + idle warm pool',
        String(1 + idle.length),
        fmt(dm.pss, 1),
        fmt(dm.rss, 1),
        per(dm, MEMORY_PODS),
      ],
      [
        'ward-runc-agent processes (separate)',
        String(agents.length),
        fmt(am.pss, 1),
        fmt(am.rss, 1),
        per(am, MEMORY_PODS),
      ],
    ],
    notes: [
      `Ward total PSS per pod ${fmt((wm.pss + dm.pss) / MEMORY_PODS, 1)} MiB vs runc shim ${fmt(rm.pss / MEMORY_PODS, 1)} MiB ` +
        `(ratio ${fmt((wm.pss + dm.pss) / Math.max(rm.pss, 0.001))}); goal: <= Kata Go shim ~18 MiB/pod`,
    ],
  };
}

/** `make bench` suite `shim`: Ward vs io.containerd.runc.v2 through one private containerd. */
export const shimBench: BenchSuite = {
  name: 'shim',
  run: async () => {
    if (process.getuid?.() !== 0) throw new Error('needs root (containerd, runc, mounts)');
    const work = await mkdtemp(join(tmpdir(), 'ward-bench-'));
    const w = await startWardContainerd();
    try {
      const img = await buildBusyboxImage(busyboxSpec(), work);
      await w.cd.importImage(img.tarball);
      const lat = await latency(w);
      const mem = await memory(w);
      return [lat, mem];
    } finally {
      await w.stop();
      await rm(work, { recursive: true, force: true });
    }
  },
};
