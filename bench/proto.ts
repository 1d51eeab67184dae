import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assertCanonical,
  decode,
  encode,
  KATA_POLICY_CURRENT,
  messageType,
  policyInputFromRequest,
  requestFromPolicyInput,
} from '../proto/index.js';
import type { BenchSuite } from './suites.js';
import { type BenchTable, fmt, percentile } from './table.js';

const ITERATIONS = 2_000;
const COLD_STARTS = 5;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A CreateContainerRequest shaped like a Kubernetes pod container (the proxy's largest hot-path request). */
function sampleRequest(): Uint8Array {
  const env = Array.from({ length: 24 }, (_, i) => `VAR_${i}=value-${i}-${'x'.repeat(20)}`);
  return encode('grpc.CreateContainerRequest', {
    container_id: 'a'.repeat(64),
    exec_id: 'a'.repeat(64),
    storages: Array.from({ length: 4 }, (_, i) => ({
      driver: 'blk',
      source: `0001:00:0${i}.0`,
      fstype: 'tar',
      options: [
        'ro',
        'io.katacontainers.fs-opt.is-layer',
        `io.katacontainers.fs-opt.root-hash=${'f'.repeat(64)}`,
      ],
      mount_point: `/run/kata-containers/sandbox/layers/${'b'.repeat(64)}`,
    })),
    OCI: {
      Version: '1.1.0',
      Process: {
        User: { UID: 65535, GID: 65535, AdditionalGids: [65535] },
        Args: ['/bin/sh', '-c', 'sleep infinity'],
        Env: env,
        Cwd: '/',
        Capabilities: {
          Bounding: ['CAP_CHOWN', 'CAP_KILL'],
          Effective: ['CAP_CHOWN'],
          Permitted: ['CAP_CHOWN'],
        },
        OOMScoreAdj: 1000,
      },
      Root: { Path: '/run/kata-containers/shared/containers/x/rootfs', Readonly: true },
      Mounts: Array.from({ length: 8 }, (_, i) => ({
        destination: `/mnt/${i}`,
        source: `/run/kata-containers/shared/containers/x-${i}`,
        type: 'bind',
        options: ['rbind', 'rprivate', 'ro'],
      })),
      Annotations: Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [`io.kubernetes.cri.key-${i}`, `v${i}`]),
      ),
      Linux: {
        Resources: { CPU: { Shares: 2n, Quota: 0n, Period: 100000n } },
        CgroupsPath: '/kubepods/besteffort/pod/x',
        Namespaces: [{ Type: 'ipc' }, { Type: 'uts' }, { Type: 'mount' }],
        MaskedPaths: ['/proc/acpi', '/proc/kcore', '/proc/keys'],
        ReadonlyPaths: ['/proc/bus', '/proc/fs', '/proc/sys'],
      },
    },
  });
}

function perOp(fn: () => void): { p50: number; p99: number; opsPerSec: number } {
  for (let i = 0; i < ITERATIONS / 10; i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const t = performance.now();
    fn();
    samples.push((performance.now() - t) * 1000);
  }
  const total = performance.now() - start;
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    opsPerSec: (ITERATIONS / total) * 1000,
  };
}

/** Median wall time (ms) of a fresh node process running `script`. */
function coldStart(script: string): number {
  const times: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const ms = Number(r.stdout.trim());
    if (r.status !== 0 || !Number.isFinite(ms)) throw new Error(`cold start failed: ${r.stderr}`);
    times.push(ms);
  }
  return percentile(times, 50);
}

async function run(): Promise<readonly BenchTable[]> {
  const bytes = sampleRequest();
  const type = messageType('grpc.CreateContainerRequest');
  const decoded = decode('grpc.CreateContainerRequest', bytes);
  const policyJson = policyInputFromRequest('grpc.CreateContainerRequest', decoded, KATA_POLICY_CURRENT);
  const rows: [string, () => void][] = [
    ['protobufjs decode only', () => type.decode(bytes)],
    ['canonical-form check', () => assertCanonical(type, bytes)],
    ['decode (check + decode + toObject)', () => decode('grpc.CreateContainerRequest', bytes)],
    ['policy input (serde JSON text)', () => policyInputFromRequest('grpc.CreateContainerRequest', decoded)],
    [
      'decode + policy input (proxy hot path)',
      () =>
        policyInputFromRequest('grpc.CreateContainerRequest', decode('grpc.CreateContainerRequest', bytes)),
    ],
    ['encode (strict)', () => encode('grpc.CreateContainerRequest', decoded)],
    ['policy JSON → request', () => requestFromPolicyInput('grpc.CreateContainerRequest', policyJson)],
  ];
  const measured = rows.map(([name, fn]) => [name, perOp(fn)] as const);
  const hot = measured.find(([n]) => n.startsWith('decode + policy'))?.[1];
  const raw = measured[0]?.[1];
  const codec: BenchTable = {
    title: `proto: CreateContainerRequest (${bytes.length} bytes, policy JSON ${policyJson.length} chars)`,
    headers: ['operation', 'p50 µs', 'p99 µs', 'ops/s'],
    rows: measured.map(([name, m]) => [name, fmt(m.p50, 1), fmt(m.p99, 1), fmt(m.opsPerSec, 0)]),
    notes: hot && raw ? [`hot path / bare protobufjs decode: ${fmt(hot.p50 / raw.p50, 1)}x (p50)`] : [],
  };

  const fromJson = coldStart(
    "const t=performance.now(); const m=await import('./dist/proto/index.js'); m.messageType('grpc.CreateContainerRequest'); console.log(performance.now()-t)",
  );
  const files = ['kata/agent.proto', 'containerd/task/v2/shim.proto', 'ttrpc/request.proto'];
  const fromProto = coldStart(
    `const t=performance.now(); const pb=(await import('protobufjs')).default; const r=new pb.Root(); r.resolvePath=(o,f)=>${JSON.stringify(join(ROOT, 'proto', 'schemas'))}+'/'+f; r.loadSync(${JSON.stringify(files)},{keepCase:true}); r.resolveAll(); r.lookupType('grpc.CreateContainerRequest'); console.log(performance.now()-t)`,
  );
  const startup: BenchTable = {
    title: 'proto: schema start-up in a fresh process (median of 5)',
    headers: ['how', 'ms'],
    rows: [
      ['generated JSON descriptor (Ward)', fmt(fromJson, 1)],
      ['parse .proto files at start', fmt(fromProto, 1)],
    ],
    notes: [`parse / descriptor: ${fmt(fromProto / fromJson, 2)}x`],
  };
  return [codec, startup];
}

/** `make bench` suite for the schemas, codecs and the Kata policy-input translation. */
export const protoSuite: BenchSuite = { name: 'proto', run };
