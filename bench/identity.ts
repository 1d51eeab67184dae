import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import {
  attestPid,
  IdentityStore,
  loadPluginRoot,
  lookupCgroupPaths,
  parsePluginConfig,
  RegistryClient,
  servePlugin,
  serviceDefinition,
  startRegistryServer,
} from '../identity/index.js';
import type { BenchSuite } from './suites.js';
import { type BenchTable, fmt, percentile } from './table.js';

/** Containers in the registry during the benchmark (a busy node). */
const RECORDS = 200;
/** Measured iterations per row, after WARMUP. */
const ITERATIONS = 400;
const WARMUP = 50;
const FAKE_PID = 4242;

async function sample(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function run(): Promise<readonly BenchTable[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ward-bench-identity-'));
  const store = new IdentityStore(join(dir, 'state'));
  const socketPath = join(dir, 'identity.sock');
  const registry = await startRegistryServer({ socketPath, store });
  const plugin = await servePlugin({ config: null, registry: null, brokered: new Map() });
  const client = new grpc.Client(`unix://${plugin.socketPath}`, grpc.credentials.createInsecure());
  try {
    let target = '';
    let podUid = '';
    for (let i = 0; i < RECORDS; i++) {
      const id = randomBytes(32).toString('hex');
      const uid = randomUUID();
      await store.record({
        containerId: id,
        podUid: uid,
        namespace: 'bench',
        podName: `p${i}`,
        logSequence: i,
      });
      target = id;
      podUid = uid;
    }
    // A /proc of our own, so the pid → cgroup step is exercised without moving real processes.
    const procRoot = join(dir, 'proc');
    mkdirSync(join(procRoot, String(FAKE_PID)), { recursive: true });
    const path = `/kubepods/besteffort/pod${podUid}/${target}`;
    writeFileSync(join(procRoot, String(FAKE_PID), 'cgroup'), `12:pids:${path}\n11:memory:${path}\n0::/\n`);
    const hcl = `registry_socket = "${socketPath}"\nproc_root = "${procRoot}"\n`;
    const config = parsePluginConfig(hcl);
    const rc = new RegistryClient(socketPath);

    const root = loadPluginRoot();
    const cfg = serviceDefinition(root, 'spire.service.common.config.v1.Config')['Configure']!;
    const att = serviceDefinition(root, 'spire.plugin.agent.workloadattestor.v1.WorkloadAttestor')['Attest']!;
    const unary = (m: grpc.MethodDefinition<object, object>, req: object): Promise<unknown> =>
      new Promise((resolve, reject) =>
        client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, (e, r) =>
          e ? reject(e) : resolve(r),
        ),
      );
    await unary(cfg as grpc.MethodDefinition<object, object>, { hcl_configuration: hcl });

    const rows: [string, number[]][] = [
      ['store lookup (in process)', await sample(() => lookupCgroupPaths(store, [path]))],
      ['registry socket byCgroup', await sample(() => rc.byCgroup([path]))],
      ['attestPid (proc + registry + selectors)', await sample(() => attestPid(FAKE_PID, config, rc))],
      [
        'gRPC Attest through the plugin',
        await sample(() => unary(att as grpc.MethodDefinition<object, object>, { pid: FAKE_PID })),
      ],
    ];
    const base = percentile(rows[0]![1], 50);
    return [
      {
        title: `identity: attestation latency (${RECORDS} containers registered, ${ITERATIONS} runs)`,
        headers: ['path', 'p50 ms', 'p99 ms', 'p50 / store lookup'],
        rows: rows.map(([name, s]) => [
          name,
          fmt(percentile(s, 50), 3),
          fmt(percentile(s, 99), 3),
          `${fmt(percentile(s, 50) / base, 1)}x`,
        ]),
        notes: ['SPIRE calls Attest once per workload API connection; no goal is set for it.'],
      },
    ];
  } finally {
    client.close();
    await plugin.stop();
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `make bench` suite for identity/: the cost of one attestation, layer by layer. */
export const identitySuite: BenchSuite = { name: 'identity', run };
