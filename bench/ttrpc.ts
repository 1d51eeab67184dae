import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  buildGoTtrpcPeer,
  encodeBytesValue,
  GO_PEER_SERVICE,
  type GoPeerServer,
  runGoPeerBench,
  startGoPeerServer,
} from '../integration/index.js';
import { type Client, dial, listen, Server } from '../proto/ttrpc/index.js';
import type { BenchSuite } from './suites.js';
import { type BenchTable, fmt, percentile } from './table.js';

/** Calls per latency run at 1 and at 64 in flight, and per 1 MiB throughput run. */
const CALLS_SERIAL = 3_000;
const CALLS_PARALLEL = 20_000;
const CALLS_MIB = 200;
/** Ward↔Ward and Go↔Go run this many times, interleaved; the lower-p50 run counts (the host is shared). */
const ROUNDS = 2;
const WARMUP_CALLS = 500;
const SMALL_PAYLOAD = 16;
const MIB = 1 << 20;
/** The brief's goal: Ward's unary latency within 1.5× of Go's. */
const LATENCY_GOAL = 1.5;

interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly callsPerS: number;
  readonly seconds: number;
}

/** Ward's server for the benchmark, run in its own process like the Go server: `node ttrpc.js serve <socket>`. */
async function serve(socket: string): Promise<void> {
  const server = new Server().register(GO_PEER_SERVICE, { Echo: (p) => p });
  server.serve(await listen(`unix://${socket}`));
  process.stdout.write('READY\n');
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
}

function startWardServer(socket: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', socket], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`ward bench server exited (${code})`)));
    child.stdout?.once('data', () => resolve(child));
  });
}

async function wardClientRun(
  client: Client,
  calls: number,
  inflight: number,
  size: number,
): Promise<Figures> {
  const payload = encodeBytesValue(Buffer.alloc(size, 0x61));
  for (let i = 0; i < WARMUP_CALLS; i++) await client.call(GO_PEER_SERVICE, 'Echo', payload);
  const lat = new Float64Array(calls);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < calls; i = next++) {
      const t = performance.now();
      await client.call(GO_PEER_SERVICE, 'Echo', payload);
      lat[i] = (performance.now() - t) * 1000;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inflight }, worker));
  const seconds = (performance.now() - start) / 1000;
  const samples = Array.from(lat);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), callsPerS: calls / seconds, seconds };
}

async function goClientRun(
  bin: string,
  socket: string,
  calls: number,
  inflight: number,
  size: number,
): Promise<Figures> {
  const r = await runGoPeerBench(bin, socket, calls, inflight, size);
  return { p50: r.p50_us, p99: r.p99_us, callsPerS: r.calls_per_s, seconds: r.seconds };
}

/** The run with the lower p50 (latency tables) of two. */
function best(a: Figures | undefined, b: Figures): Figures {
  return a === undefined || b.p50 < a.p50 ? b : a;
}

/** The run with the higher call rate (throughput tables) of two. */
function fastest(a: Figures | undefined, b: Figures): Figures {
  return a === undefined || b.callsPerS > a.callsPerS ? b : a;
}

function row(name: string, inflight: number, f: Figures): string[] {
  return [name, String(inflight), fmt(f.p50, 1), fmt(f.p99, 1), fmt(f.callsPerS, 0)];
}

async function run(): Promise<readonly BenchTable[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ward-bench-ttrpc-'));
  const wardSock = join(dir, 'ward.sock');
  const goSock = join(dir, 'go.sock');
  const bin = await buildGoTtrpcPeer();
  let wardServer: ChildProcess | undefined;
  let goServer: GoPeerServer | undefined;
  let client: Client | undefined;
  try {
    wardServer = await startWardServer(wardSock);
    goServer = await startGoPeerServer(bin, goSock);
    client = await dial(`unix://${wardSock}`);
    const wardGo = await dial(`unix://${goSock}`);
    const results: { name: string; inflight: number; f: Figures }[] = [];
    for (const inflight of [1, 64]) {
      const calls = inflight === 1 ? CALLS_SERIAL : CALLS_PARALLEL;
      let ward: Figures | undefined;
      let go: Figures | undefined;
      for (let round = 0; round < ROUNDS; round++) {
        ward = best(ward, await wardClientRun(client, calls, inflight, SMALL_PAYLOAD));
        go = best(go, await goClientRun(bin, goSock, calls, inflight, SMALL_PAYLOAD));
      }
      results.push({ name: 'Ward ↔ Ward', inflight, f: ward! });
      results.push({ name: 'Go ↔ Go', inflight, f: go! });
      results.push({
        name: 'Ward → Go',
        inflight,
        f: await wardClientRun(wardGo, calls, inflight, SMALL_PAYLOAD),
      });
      results.push({
        name: 'Go → Ward',
        inflight,
        f: await goClientRun(bin, wardSock, calls, inflight, SMALL_PAYLOAD),
      });
    }
    wardGo.close();
    const notes: string[] = [];
    for (const inflight of [1, 64]) {
      const w = results.find((r) => r.name === 'Ward ↔ Ward' && r.inflight === inflight)!.f;
      const g = results.find((r) => r.name === 'Go ↔ Go' && r.inflight === inflight)!.f;
      const ratio = w.p50 / g.p50;
      notes.push(
        `${inflight} in flight: Ward/Go p50 ${fmt(ratio, 2)}×, p99 ${fmt(w.p99 / g.p99, 2)}×, ` +
          `calls/s ${fmt(w.callsPerS / g.callsPerS, 2)}× — goal p50 ≤ ${LATENCY_GOAL}×: ${ratio <= LATENCY_GOAL ? 'met' : 'NOT met'}`,
      );
    }
    const latency: BenchTable = {
      title: `ttrpc unary round trip over a unix socket (${SMALL_PAYLOAD}-byte BytesValue echo, client and server in separate processes; best p50 of ${ROUNDS} interleaved runs for Ward↔Ward and Go↔Go)`,
      headers: ['client ↔ server', 'in flight', 'p50 µs', 'p99 µs', 'calls/s'],
      rows: results.map((r) => row(r.name, r.inflight, r.f)),
      notes,
    };
    const tput: string[][] = [];
    const mibFigures: Figures[] = [];
    for (const inflight of [1, 4]) {
      let w: Figures | undefined;
      let g: Figures | undefined;
      for (let round = 0; round < ROUNDS; round++) {
        w = fastest(w, await wardClientRun(client, CALLS_MIB, inflight, MIB));
        g = fastest(g, await goClientRun(bin, goSock, CALLS_MIB, inflight, MIB));
      }
      mibFigures.push(w!, g!);
      for (const [name, f] of [
        ['Ward ↔ Ward', w!],
        ['Go ↔ Go', g!],
      ] as const) {
        tput.push([name, String(inflight), fmt(f.p50 / 1000, 2), fmt((2 * f.callsPerS * MIB) / MIB, 0)]);
      }
    }
    const throughput: BenchTable = {
      title: `1 MiB payload echo (request and response each 1 MiB; best of ${ROUNDS} interleaved runs)`,
      headers: ['client ↔ server', 'in flight', 'p50 ms', 'MiB/s (both directions)'],
      rows: tput,
      notes: [
        `Ward/Go MiB/s: 1 in flight ${fmt(mibFigures[0]!.callsPerS / mibFigures[1]!.callsPerS, 2)}×, ` +
          `4 in flight ${fmt(mibFigures[2]!.callsPerS / mibFigures[3]!.callsPerS, 2)}×`,
      ],
    };
    return [latency, throughput];
  } finally {
    client?.close();
    wardServer?.stdin?.end();
    await goServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `make bench` suite `ttrpc`: Ward's ttrpc against Go's containerd/ttrpc, side by side in one run. */
export const ttrpcSuite: BenchSuite = { name: 'ttrpc', run };

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href &&
  process.argv[2] === 'serve'
) {
  await serve(process.argv[3] ?? '');
}
