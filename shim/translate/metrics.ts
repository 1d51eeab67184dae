import protobuf from 'protobufjs/light.js';

type Json = Record<string, unknown>;

/** Type URL of cgroups v1 metrics, what `ctr task metrics` and CRI's stats decode. */
export const CGROUPS_V1_METRICS_TYPE = 'io.containerd.cgroups.v1.Metrics';

const u64 = (id: number): { type: string; id: number } => ({ type: 'uint64', id });

/** MemoryStat's plain counters: field number and the cgroup v1 memory.stat key it comes from. */
const MEMORY_COUNTERS: readonly (readonly [string, number, string])[] = [
  ['cache', 1, 'cache'],
  ['rss', 2, 'rss'],
  ['rss_huge', 3, 'rss_huge'],
  ['mapped_file', 4, 'mapped_file'],
  ['dirty', 5, 'dirty'],
  ['writeback', 6, 'writeback'],
  ['pg_pg_in', 7, 'pgpgin'],
  ['pg_pg_out', 8, 'pgpgout'],
  ['pg_fault', 9, 'pgfault'],
  ['pg_maj_fault', 10, 'pgmajfault'],
  ['inactive_anon', 11, 'inactive_anon'],
  ['active_anon', 12, 'active_anon'],
  ['inactive_file', 13, 'inactive_file'],
  ['active_file', 14, 'active_file'],
  ['unevictable', 15, 'unevictable'],
  ['hierarchical_memory_limit', 16, 'hierarchical_memory_limit'],
  ['hierarchical_swap_limit', 17, 'hierarchical_memsw_limit'],
  ['total_cache', 18, 'total_cache'],
  ['total_rss', 19, 'total_rss'],
  ['total_rss_huge', 20, 'total_rss_huge'],
  ['total_mapped_file', 21, 'total_mapped_file'],
  ['total_dirty', 22, 'total_dirty'],
  ['total_writeback', 23, 'total_writeback'],
  ['total_pg_pg_in', 24, 'total_pgpgin'],
  ['total_pg_pg_out', 25, 'total_pgpgout'],
  ['total_pg_fault', 26, 'total_pgfault'],
  ['total_pg_maj_fault', 27, 'total_pgmajfault'],
  ['total_inactive_anon', 28, 'total_inactive_anon'],
  ['total_active_anon', 29, 'total_active_anon'],
  ['total_inactive_file', 30, 'total_inactive_file'],
  ['total_active_file', 31, 'total_active_file'],
  ['total_unevictable', 32, 'total_unevictable'],
];

/**
 * The subset of containerd/cgroups stats/v1/metrics.proto (package io.containerd.cgroups.v1)
 * the shim fills: pids, cpu, memory. Field numbers are upstream's.
 */
function buildMetricsType(): protobuf.Type {
  const root = protobuf.Root.fromJSON({
    nested: {
      io: {
        nested: {
          containerd: {
            nested: {
              cgroups: {
                nested: {
                  v1: {
                    nested: {
                      Metrics: {
                        fields: {
                          pids: { type: 'PidsStat', id: 2 },
                          cpu: { type: 'CPUStat', id: 3 },
                          memory: { type: 'MemoryStat', id: 4 },
                        },
                      },
                      PidsStat: { fields: { current: u64(1), limit: u64(2) } },
                      CPUStat: {
                        fields: {
                          usage: { type: 'CPUUsage', id: 1 },
                          throttling: { type: 'Throttle', id: 2 },
                        },
                      },
                      CPUUsage: {
                        fields: {
                          total: u64(1),
                          kernel: u64(2),
                          user: u64(3),
                          per_cpu: { rule: 'repeated', type: 'uint64', id: 4 },
                        },
                      },
                      Throttle: {
                        fields: { periods: u64(1), throttled_periods: u64(2), throttled_time: u64(3) },
                      },
                      MemoryStat: {
                        fields: {
                          ...Object.fromEntries(MEMORY_COUNTERS.map(([name, id]) => [name, u64(id)])),
                          usage: { type: 'MemoryEntry', id: 33 },
                          swap: { type: 'MemoryEntry', id: 34 },
                          kernel: { type: 'MemoryEntry', id: 35 },
                        },
                      },
                      MemoryEntry: { fields: { limit: u64(1), usage: u64(2), max: u64(3), failcnt: u64(4) } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  });
  return root.lookupType(CGROUPS_V1_METRICS_TYPE);
}

// Built on the first Stats call, not at load: every worker loads this module, and a pod whose
// stats nobody asks for (no kubelet polling) should not carry the reflection objects.
let metricsType: protobuf.Type | undefined;
const metrics = (): protobuf.Type => (metricsType ??= buildMetricsType());

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});

function entry(d: unknown): Json {
  const m = obj(d);
  return {
    limit: m['limit'] ?? 0,
    usage: m['usage'] ?? 0,
    max: m['max_usage'] ?? 0,
    failcnt: m['failcnt'] ?? 0,
  };
}

/**
 * The agent's StatsContainerResponse as cgroups v1 Metrics, the way the Kata runtime's shim
 * converts them (statsToMetrics), so `ctr task metrics` and CRI's container stats work.
 */
export function agentStatsToMetrics(stats: Json): { type_url: string; value: Uint8Array } {
  const cg = obj(stats['cgroup_stats']);
  const cpu = obj(cg['cpu_stats']);
  const usage = obj(cpu['cpu_usage']);
  const thr = obj(cpu['throttling_data']);
  const mem = obj(cg['memory_stats']);
  const counters = obj(mem['stats']);
  const pids = obj(cg['pids_stats']);
  const memory: Json = {
    usage: entry(mem['usage']),
    swap: entry(mem['swap_usage']),
    kernel: entry(mem['kernel_usage']),
  };
  for (const [name, , key] of MEMORY_COUNTERS) memory[name] = counters[key] ?? 0;
  memory['cache'] = mem['cache'] ?? memory['cache'];
  const type = metrics();
  const value = {
    pids: { current: pids['current'] ?? 0, limit: pids['limit'] ?? 0 },
    cpu: {
      usage: {
        total: usage['total_usage'] ?? 0,
        kernel: usage['usage_in_kernelmode'] ?? 0,
        user: usage['usage_in_usermode'] ?? 0,
        per_cpu: usage['percpu_usage'] ?? [],
      },
      throttling: {
        periods: thr['periods'] ?? 0,
        throttled_periods: thr['throttled_periods'] ?? 0,
        throttled_time: thr['throttled_time'] ?? 0,
      },
    },
    memory,
  };
  return { type_url: CGROUPS_V1_METRICS_TYPE, value: type.encode(type.fromObject(value)).finish() };
}

/** Decodes Metrics bytes (tests, diagnostics). */
export function decodeMetrics(bytes: Uint8Array): Json {
  const type = metrics();
  return type.toObject(type.decode(bytes), { longs: Number, defaults: true }) as Json;
}
