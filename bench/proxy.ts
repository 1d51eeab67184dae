import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { AGENT_SERVICE, Client, connect, statusCodeName, TtrpcError } from '../proto/index.js';
import { processCpuNs } from './cpu.js';
import {
  benchPolicy,
  createContainerInput,
  RPCS,
  type Rpc,
  RULES,
  requestBytes,
  SANDBOX_ID,
  typed,
} from './kata-pod.js';
import type { BenchSuite } from './suites.js';
import { type BenchTable, fmt, percentile } from './table.js';

// What ward-agent-proxy adds to an agent RPC: the same requests go straight to ward-runc-agent
// and through the proxy (Kata's rules.rego with a two-container pod's policy_data, software
// register, fsync per commit), interleaved call by call in one run, so both sides share the
// host's load. Agent, proxy and clients are three processes, as in production. Each proxy
// configuration takes its own phase, alternating with direct calls only: in one rotation of
// every route the disk log's fdatasyncs (and the journal work after them) fell on the calls
// after them, and the tmpfs proxy's added p50 measured 0.59–0.70 ms with the disk route in the
// rotation against 0.34–0.35 ms without it (paired runs, docs/AGENT-PROXY.md).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'dist', 'bin');
/** Latency: at most this many rounds (a direct call and a proxied one) per RPC and proxy, and at most this long. */
const LATENCY_ROUNDS = 600;
const LATENCY_BUDGET_MS = 10_000;
/**
 * Untimed rounds before timing (at most, and at most this long): the proxy is a freshly started
 * process, and a long-running one has its policy evaluator optimized by V8.
 */
const WARMUP_ROUNDS = 1000;
const WARMUP_BUDGET_MS = 5_000;
/** Memory-backed storage for the second proxy's log, as in the guest (where /run is tmpfs). */
const SHM = '/dev/shm';
/** How much of an answer's status message the notes quote. */
const MESSAGE_CHARS = 60;
/** Throughput: each (route, concurrency) pair runs this long in all, in THROUGHPUT_SLICES turns. */
const THROUGHPUT_MS = 3_000;
const THROUGHPUT_SLICES = 6;
const CONCURRENCY = [1, 32] as const;
const START_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 30_000;
/** The issue's goals. */
const EXEC_P50_GOAL_MS = 0.5;
const THROUGHPUT_LOSS_GOAL = 2;

function startChild(bin: string, args: string[]): ChildProcess {
  const child = spawn(join(BIN, bin), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.resume();
  return child;
}

async function waitFor(address: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      (await connect(address, { timeoutMs: 1000 })).destroy();
      return;
    } catch {
      await sleep(25);
    }
  }
  throw new Error(`${what} did not start`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
}

/** Calls made so far: which of an RPC's variants the next call sends. */
let callsMade = 0;

/** Calls and returns how it ended: `OK` or the status (the agent's answer, or the proxy's). */
async function timedCall(c: Client, rpc: Rpc): Promise<{ ms: number; outcome: string }> {
  const bytes = requestBytes(rpc, callsMade++);
  const t = performance.now();
  const outcome = await c.call(AGENT_SERVICE, rpc.method, bytes, { timeoutMs: CALL_TIMEOUT_MS }).then(
    () => 'OK',
    (e: unknown) => {
      if (e instanceof TtrpcError && e.code === 'ERR_TTRPC_STATUS')
        return `${statusCodeName(e.grpcCode)} (${e.message.slice(0, MESSAGE_CHARS)})`;
      throw e;
    },
  );
  return { ms: performance.now() - t, outcome };
}

/** Where calls go: straight to the agent, or through one of the proxies. */
interface Route {
  readonly name: string;
  readonly address: string;
  readonly client: Client;
  /** Its --metrics socket (proxies only). */
  readonly metrics?: string;
  /** Whether the issue's goals apply (the Kata rules routes; not the allow-all one). */
  readonly goal?: boolean;
  /** The proxy's process (proxies only), for its CPU time. */
  readonly pid?: number;
}

/** A route's rate, and the CPU its proxy (if any) and the agent used per call, in µs. */
interface Rate {
  readonly perSecond: number;
  readonly proxyCpuUs: number;
  readonly agentCpuUs: number;
}

/**
 * Latency samples per route (same index as the routes), interleaved call by call. `measured`
 * runs between the warm-up and the measured calls (to snapshot the proxy's metrics).
 */
async function latency(
  routes: readonly Route[],
  rpc: Rpc,
  seen: Set<string>,
  measured: () => Promise<void>,
): Promise<number[][]> {
  const out = routes.map((): number[] => []);
  const warmUntil = performance.now() + WARMUP_BUDGET_MS;
  let warm = 0;
  while (warm < WARMUP_ROUNDS && performance.now() < warmUntil) {
    for (const route of routes) await timedCall(route.client, rpc);
    warm++;
  }
  await measured();
  const deadline = performance.now() + LATENCY_BUDGET_MS;
  for (let i = warm; i < warm + LATENCY_ROUNDS && performance.now() < deadline; i++) {
    // Rotate which route goes first, so none always runs right after another.
    for (let k = 0; k < routes.length; k++) {
      const j = (i + k) % routes.length;
      const route = routes[j]!;
      const r = await timedCall(route.client, rpc);
      if (r.outcome.startsWith('PERMISSION_DENIED'))
        throw new Error(
          `${rpc.method} is denied by the bench policy, so forwarding is not measured: ${r.outcome}`,
        );
      seen.add(`${rpc.method} → ${r.outcome}`);
      out[j]!.push(r.ms);
    }
  }
  return out;
}

/** Calls from `clients` connections, all on `rpc`, until `ms` have passed: calls and seconds. */
async function burst(conns: readonly Client[], rpc: Rpc, ms: number): Promise<[number, number]> {
  let calls = 0;
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    conns.map(async (c) => {
      while (performance.now() < end) {
        await timedCall(c, rpc);
        calls++;
      }
    }),
  );
  return [calls, (performance.now() - start) / 1000];
}

/**
 * RPCs/s per route with `clients` connections each, and CPU per call. The routes take turns in
 * short slices, the first one rotating, so a change in the host's load over the run falls on
 * all of them alike. CPU per call is steadier than the rate under a noisy host's load: it is
 * what comparing builds needs.
 */
async function throughput(
  routes: readonly Route[],
  rpc: Rpc,
  clients: number,
  agentPid: number | undefined,
): Promise<Rate[]> {
  const conns = await Promise.all(
    routes.map((r) =>
      Promise.all(Array.from({ length: clients }, async () => new Client(await connect(r.address)))),
    ),
  );
  const calls = routes.map(() => 0);
  const seconds = routes.map(() => 0);
  const proxyNs = routes.map(() => 0);
  const agentNs = routes.map(() => 0);
  try {
    for (let s = 0; s < THROUGHPUT_SLICES; s++) {
      for (let k = 0; k < routes.length; k++) {
        const j = (s + k) % routes.length;
        const p0 = processCpuNs(routes[j]!.pid);
        const a0 = processCpuNs(agentPid);
        const [n, secs] = await burst(conns[j]!, rpc, THROUGHPUT_MS / THROUGHPUT_SLICES);
        proxyNs[j]! += processCpuNs(routes[j]!.pid) - p0;
        agentNs[j]! += processCpuNs(agentPid) - a0;
        calls[j]! += n;
        seconds[j]! += secs;
      }
    }
  } finally {
    for (const cs of conns) for (const c of cs) c.close();
  }
  return calls.map((n, j) => ({
    perSecond: n / seconds[j]!,
    proxyCpuUs: proxyNs[j]! / n / 1000,
    agentCpuUs: agentNs[j]! / n / 1000,
  }));
}

function metricsText(socketPath: string): Promise<string> {
  return new Promise((res, rej) => {
    const req = request({ socketPath, path: '/metrics' }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => {
        body += d;
      });
      r.on('end', () => res(body));
    });
    req.on('error', rej);
    req.end();
  });
}

/** One method's histogram as the proxy's metrics show it: sum (s), count, cumulative buckets. */
interface Histogram {
  readonly sum: number;
  readonly count: number;
  readonly buckets: readonly (readonly [le: number, cumulative: number])[];
}

function histogram(text: string, name: string, method: string): Histogram {
  const num = (suffix: string): number =>
    Number(
      new RegExp(`^${name}_${suffix}\\{method="${method}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN,
    );
  const buckets: [number, number][] = [];
  const re = new RegExp(`^${name}_bucket\\{method="${method}",le="([^"]+)"\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re))
    buckets.push([m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2])]);
  return { sum: num('sum'), count: num('count'), buckets };
}

/**
 * Mean and p50 (as the upper bound of the bucket holding the median) in ms of what a histogram
 * gained between two snapshots: the measured calls only, not the warm-up.
 */
function windowStats(before: Histogram, after: Histogram): string {
  const count = after.count - (Number.isNaN(before.count) ? 0 : before.count);
  const sum = after.sum - (Number.isNaN(before.sum) ? 0 : before.sum);
  const prior = new Map(before.buckets);
  let p50 = Number.NaN;
  for (const [le, cum] of after.buckets) {
    if (cum - (prior.get(le) ?? 0) >= count / 2) {
      p50 = le;
      break;
    }
  }
  return `${fmt((sum / count) * 1000, 3)} (p50 <= ${Number.isFinite(p50) ? fmt(p50 * 1000, 2) : 'inf'})`;
}

/** Starts one proxy with its log and register under `dir`, primed with the pod's sandbox. */
async function startProxyRoute(
  name: string,
  dir: string,
  agentAddr: string,
  /** The Kata policy file, or null for `--allow-all` (what the proxy costs without a policy). */
  policy: string | null,
  children: ChildProcess[],
): Promise<Route> {
  mkdirSync(dir, { recursive: true });
  const address = `unix://${join(dir, 'proxy.sock')}`;
  const metrics = join(dir, 'metrics.sock');
  const child = startChild('ward-agent-proxy', [
    ...['--listen', address, '--agent', agentAddr, '--metrics', metrics],
    ...(policy === null ? ['--allow-all'] : ['--policy', policy]),
    ...['--log', join(dir, 'measurement.log'), '--register', `software:${join(dir, 'register')}`],
  ]);
  children.push(child);
  await waitFor(address, child, 'ward-agent-proxy');
  const client = new Client(await connect(address));
  // The sandbox first: rules.rego binds the pod's sandbox name and namespace in its state.
  const sandbox = await timedCall(client, {
    method: 'CreateContainer',
    bytes: typed('grpc.CreateContainerRequest', createContainerInput('sandbox', SANDBOX_ID)),
  });
  if (sandbox.outcome.startsWith('PERMISSION_DENIED'))
    throw new Error(`the sandbox is denied: ${sandbox.outcome}`);
  return {
    name,
    address,
    client,
    metrics,
    goal: policy !== null,
    ...(child.pid === undefined ? {} : { pid: child.pid }),
  };
}

async function run(): Promise<readonly BenchTable[]> {
  if (!existsSync(RULES)) throw new Error(`Kata rules not found at ${RULES}`);
  const dir = mkdtempSync(join(tmpdir(), 'ward-bench-proxy-'));
  const shm = existsSync(SHM) ? mkdtempSync(join(SHM, 'ward-bench-proxy-')) : undefined;
  const agentAddr = `unix://${join(dir, 'agent.sock')}`;
  const policy = join(dir, 'policy.rego');
  writeFileSync(policy, benchPolicy());
  const children: ChildProcess[] = [];
  const routes: Route[] = [];
  try {
    const agent = startChild('ward-runc-agent', ['--listen', agentAddr, '--root', join(dir, 'agent-root')]);
    children.push(agent);
    await waitFor(agentAddr, agent, 'ward-runc-agent');
    routes.push({ name: 'direct', address: agentAddr, client: new Client(await connect(agentAddr)) });
    routes.push(await startProxyRoute('disk log', join(dir, 'disk'), agentAddr, policy, children));
    if (shm !== undefined) {
      routes.push(await startProxyRoute('tmpfs log', shm, agentAddr, policy, children));
      // The same proxy path with every request allowed: how much of what it adds is the policy.
      const bare = join(shm, 'allow-all');
      routes.push(await startProxyRoute('tmpfs allow-all', bare, agentAddr, null, children));
    }
    const proxies = routes.slice(1);

    const seen = new Set<string>();
    const rows: string[][] = [];
    const execAdded: number[] = [];
    const inside: string[][] = proxies.map(() => []);
    for (const rpc of RPCS) {
      const directAll: number[] = [];
      const added50: number[] = [];
      const added99: number[] = [];
      let calls = Number.POSITIVE_INFINITY;
      for (const [i, proxy] of proxies.entries()) {
        let before = '';
        const [d, p] = await latency([routes[0]!, proxy], rpc, seen, async () => {
          before = await metricsText(proxy.metrics ?? '');
        });
        const after = await metricsText(proxy.metrics ?? '');
        const stats = (name: string): string =>
          windowStats(histogram(before, name, rpc.method), histogram(after, name, rpc.method));
        inside[i]!.push(
          `${rpc.method} ${stats('ward_proxy_decision_seconds')} / ${stats('ward_proxy_log_append_seconds')}`,
        );
        directAll.push(...d!);
        added50.push(percentile(p!, 50) - percentile(d!, 50));
        added99.push(percentile(p!, 99) - percentile(d!, 99));
        calls = Math.min(calls, p!.length);
      }
      if (rpc.method === 'ExecProcess') execAdded.push(...added50.filter((_, i) => proxies[i]!.goal));
      rows.push([
        rpc.method,
        String(calls),
        fmt(percentile(directAll, 50), 3),
        ...added50.map((a) => fmt(a, 3)),
        fmt(percentile(directAll, 99), 3),
        ...added99.map((a) => fmt(a, 3)),
      ]);
    }

    const exec = RPCS[1]!;
    const tRows: string[][] = [];
    const loss32: number[] = [];
    const cpuNotes: string[] = [];
    for (const n of CONCURRENCY) {
      const measured = await throughput(routes, exec, n, agent.pid);
      const rates = measured.map((m) => m.perSecond);
      const direct = rates[0]!;
      cpuNotes.push(
        `${n} client${n === 1 ? '' : 's'}: ${measured
          .map(
            (m, i) =>
              `${routes[i]!.name} ${i === 0 ? '' : `proxy ${fmt(m.proxyCpuUs, 0)} + `}agent ${fmt(m.agentCpuUs, 0)}`,
          )
          .join(', ')}`,
      );
      if (n === 32) loss32.push(...rates.slice(1).flatMap((p, i) => (proxies[i]!.goal ? [direct / p] : [])));
      tRows.push([
        String(n),
        fmt(direct, 0),
        ...rates.slice(1).flatMap((p) => [fmt(p, 0), `${fmt(direct / p, 2)}×`]),
      ]);
    }
    const verdict = (v: number, goal: number, unit = ''): string =>
      `${fmt(v, 3)}${unit} (${v <= goal ? 'met' : 'NOT met'})`;
    const names = proxies.map((p) => p.name);
    const goalNames = proxies.filter((p) => p.goal).map((p) => p.name);
    return [
      {
        title:
          'ward-agent-proxy added latency per RPC (ms): proxy p50/p99 minus direct-to-agent p50/p99, each proxy in a phase of its own interleaved call by call with direct calls',
        headers: [
          'rpc',
          'calls per route',
          'direct p50',
          ...names.map((n) => `added p50 ${n}`),
          'direct p99',
          ...names.map((n) => `added p99 ${n}`),
        ],
        rows,
        notes: [
          "added = the proxy's p50 (p99) minus the p50 (p99) of the direct calls of its own phase; the direct columns pool every phase",
          `policy: Kata rules.rego + policy_data for a pause sandbox and one app container (every RPC allowed); software register, ${names.join(' / ')} (${dir} / ${shm ?? 'no /dev/shm'}); 'tmpfs allow-all' is the same proxy with --allow-all (decode, trivial decision, log), for how much the policy adds, not held to the goals`,
          'each ExecProcess call carries an exec id of its own (the same process, as an exec probe repeats it): the engine keeps ExecProcessRequest by the input paths it reads, not by the request bytes (docs/POLICY.md)',
          `inside the proxy over the measured calls, mean (p50 bucket) ms, decode + decision / log append until durable: ${proxies.map((p, i) => `${p.name}: ${inside[i]!.join(', ')}`).join('; ')}`,
          `what came back (same from the agent and through the proxy): ${[...seen].sort().join('; ')}`,
          'the agent is ward-runc-agent: CreateContainer runs `runc create`, which fails (no rootfs); ExecProcess and ReadStdout get NOT_FOUND at once. The proxy path is complete either way (decode, rules.rego, durable log record, forward, relay)',
          `goal: ExecProcess added p50 <= ${EXEC_P50_GOAL_MS} ms: ${goalNames.map((n, i) => `${n} ${verdict(execAdded[i] ?? Number.NaN, EXEC_P50_GOAL_MS)}`).join(', ')}`,
          'a commit writes the WAL, the register and the log: on disk each is fdatasynced, on tmpfs fdatasync does nothing and is skipped; in the guest the log lives on tmpfs and the register is the RTMR/vTPM',
          `host load average at the end: ${loadavg()
            .map((l) => l.toFixed(1))
            .join(' ')} (2 cores shared with other work: compare ratios, not absolutes)`,
        ],
      },
      {
        title: `ward-agent-proxy throughput: ExecProcess RPCs/s, ${THROUGHPUT_MS / 1000} s per route in ${THROUGHPUT_SLICES} interleaved slices`,
        headers: ['clients', 'direct', ...names.flatMap((n) => [`proxy ${n}`, 'direct/proxy'])],
        rows: tRows,
        notes: [
          `goal: no more than ${THROUGHPUT_LOSS_GOAL}× loss at 32 clients: ${goalNames.map((n, i) => `${n} ${verdict(loss32[i] ?? Number.NaN, THROUGHPUT_LOSS_GOAL, '×')}`).join(', ')}`,
          'each client is its own connection; the proxy decides and logs in arrival order (group commit) and forwards on one agent connection',
          `CPU per call in µs (all threads, from /proc schedstat; steadier than RPCs/s on a shared host, so the figure to compare builds by): ${cpuNotes.join('; ')}`,
        ],
      },
    ];
  } finally {
    for (const r of routes) r.client.close();
    for (const c of children.reverse()) await stop(c);
    rmSync(dir, { recursive: true, force: true });
    if (shm !== undefined) rmSync(shm, { recursive: true, force: true });
  }
}

/** `make bench` suite `proxy`: ward-agent-proxy's added latency and throughput against the agent alone. */
export const proxySuite: BenchSuite = { name: 'proxy', run };
