import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  defaultReplayWorkers,
  encodeRecord,
  MeasurementLog,
  openRegister,
  replayBytes,
  SHA384,
  verifyLogBytes,
} from '../measure/index.js';
import type { BenchSuite } from './suites.js';
import { type BenchTable, fmt } from './table.js';

const exec = promisify(execFile);
/** Events in the replay benchmark's log. */
const REPLAY_EVENTS = 1_000_000;
/** Runs of sha384sum and of Ward's replay; the best of each counts. */
const BEST_OF = 3;
/** How long each append configuration runs. */
const APPEND_SECONDS = 2.5;

/** A log of `n` Ward-shaped agent events (SHA-384, MR index 4), built in memory. */
function buildLog(n: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const content = `{"decision":"allow","policy":"sha256:5d41402abc4b2a76","rpc":"ReadStreamRequest","seq":${i}}`;
    parts.push(encodeRecord(4, SHA384, { domain: 'ward', operation: 'ReadStream', content }).bytes);
  }
  return Buffer.concat(parts);
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Best wall time of `runs` runs of `f`. */
async function best(runs: number, f: () => unknown): Promise<number> {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await f();
    min = Math.min(min, seconds(t0));
  }
  return min;
}

async function replayTable(dir: string): Promise<BenchTable> {
  const bytes = buildLog(REPLAY_EVENTS);
  const file = join(dir, 'replay.log');
  await writeFile(file, bytes);
  const mb = bytes.length / 1e6;
  const load = loadavg()[0]!;
  const workers = defaultReplayWorkers(bytes.length);
  const opts = { alg: SHA384, mrIndex: 4, canonical: false } as const;
  let value: Buffer | undefined;
  const replayOnce = (w?: number): void => {
    const res = replayBytes(bytes, w === undefined ? opts : { ...opts, workers: w });
    if (res.problem) throw new Error(res.problem.message);
    value = res.values.get(4);
  };
  // Best of three for sha384sum and for Ward's replay alike: the machine is shared, and the
  // fastest run of each is the one least disturbed by other processes.
  const shaS = await best(BEST_OF, () => exec('sha384sum', [file]));
  const fullS = await best(BEST_OF, () => replayOnce());
  const serialS = await best(1, () => replayOnce(0));
  const verifyS = await best(1, () => verifyLogBytes(bytes, { alg: SHA384, mrIndex: 4, expected: value! }));
  const row = (name: string, s: number): string[] => [
    name,
    fmt(REPLAY_EVENTS / s, 0),
    fmt(mb / s, 1),
    fmt(s, 2),
    fmt(shaS / s, 3),
  ];
  return {
    title: `replay of a ${REPLAY_EVENTS.toLocaleString('en')}-event SHA-384 log (${fmt(mb, 1)} MB)`,
    headers: ['what', 'events/s', 'MB/s', 'seconds', 'ratio vs sha384sum'],
    rows: [
      row(`sha384sum over the same bytes (best of ${BEST_OF})`, shaS),
      row(`ward replay, ${workers} worker thread(s) (best of ${BEST_OF})`, fullS),
      row('ward replay, single-threaded (1 run)', serialS),
      row('ward log verify (+ RFC 8785 re-check, compare register; 1 run)', verifyS),
    ],
    notes: [
      'goal: ratio >= 0.5 (replay MB/s relative to sha384sum MB/s, same bytes, same run)',
      'replay = parse, digest check, extend, seq check; workers check records while the main thread extends',
      `load average at start: ${load.toFixed(2)} on ${availableParallelism()} cores (ratios drop when cores are busy)`,
    ],
  };
}

async function appendRate(logPath: string, spec: string, concurrency: number): Promise<number> {
  const log = await MeasurementLog.open({ path: logPath, register: await openRegister(spec) });
  let done = 0;
  const end = Date.now() + APPEND_SECONDS * 1000;
  const t = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (Date.now() < end) {
      await log.appendEvent('ward', 'bench', { n: done });
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const s = seconds(t);
  await log.close();
  return done / s;
}

async function startSwtpm(dir: string): Promise<{ sock: string; child: ChildProcess } | undefined> {
  if (!existsSync('/usr/bin/swtpm')) return undefined;
  await mkdir(join(dir, 'tpm'), { recursive: true });
  const sock = join(dir, 'swtpm.sock');
  const child = spawn(
    'swtpm',
    [
      'socket',
      '--tpm2',
      '--tpmstate',
      `dir=${join(dir, 'tpm')}`,
      '--server',
      `type=unixio,path=${sock}`,
      '--ctrl',
      `type=unixio,path=${sock}.ctrl`,
      '--flags',
      'not-need-init,startup-clear',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
  return existsSync(sock) ? { sock, child } : undefined;
}

async function appendTable(dir: string): Promise<BenchTable> {
  const rows: string[][] = [];
  const notes: string[] = [
    'each event durable before acknowledged: WAL fsync, register extend, log fsync (group commit)',
  ];
  for (const c of [1, 32]) {
    const sw = `software:${join(dir, `sw-${c}.reg`)}`;
    rows.push([
      'software register (sha384)',
      String(c),
      fmt(await appendRate(join(dir, `sw-${c}.log`), sw, c), 0),
    ]);
  }
  const tpm = await startSwtpm(dir);
  if (tpm) {
    try {
      for (const [c, pcr] of [
        [1, 23],
        [32, 16],
      ] as const) {
        const spec = `tpm:swtpm:${tpm.sock}:pcr=${pcr}:sha256`;
        rows.push([
          `swtpm PCR ${pcr} (sha256)`,
          String(c),
          fmt(await appendRate(join(dir, `tpm-${c}.log`), spec, c), 0),
        ]);
      }
    } finally {
      tpm.child.kill('SIGTERM');
    }
  } else notes.push('swtpm not installed: swtpm rows skipped');
  return {
    title: 'durable append throughput',
    headers: ['register', 'concurrent appenders', 'events/s'],
    rows,
    notes,
  };
}

/** `make bench` suite of measure/: replay speed against sha384sum, durable append throughput. */
export const measureSuite: BenchSuite = {
  name: 'measure',
  run: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ward-bench-measure-'));
    try {
      return [await replayTable(dir), await appendTable(dir)];
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
