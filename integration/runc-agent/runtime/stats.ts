/** A plain object shaped like an agent.proto message (proto field names). */
type Obj = Record<string, unknown>;

/**
 * Turns `runc events --stats` data (libcontainer's Stats JSON) into agent.proto's
 * `CgroupStats`, field by field, the figures the kata-agent reads from the same cgroup files.
 */
export function toCgroupStats(data: Obj | undefined): Obj {
  const d = data ?? {};
  const cpu = obj(d['cpu']);
  const usage = obj(cpu['usage']);
  const thr = obj(cpu['throttling']);
  const mem = obj(d['memory']);
  const pids = obj(d['pids']);
  const blkio = obj(d['blkio']);
  const huge = obj(d['hugetlb']);
  const hugetlb: Obj = {};
  for (const [size, v] of Object.entries(huge)) {
    const h = obj(v);
    hugetlb[size] = { usage: n(h['usage']), max_usage: n(h['max']), failcnt: n(h['failcnt']) };
  }
  const stats: Obj = {};
  for (const [k, v] of Object.entries(obj(mem['raw']))) stats[k] = n(v);
  return {
    cpu_stats: {
      cpu_usage: {
        total_usage: n(usage['total']),
        percpu_usage: arr(usage['percpu']).map(n),
        usage_in_kernelmode: n(usage['kernel']),
        usage_in_usermode: n(usage['user']),
      },
      throttling_data: {
        periods: n(thr['periods']),
        throttled_periods: n(thr['throttledPeriods']),
        throttled_time: n(thr['throttledTime']),
      },
    },
    memory_stats: {
      cache: n(mem['cache']),
      usage: memData(mem['usage']),
      swap_usage: memData(mem['swap']),
      kernel_usage: memData(mem['kernel']),
      use_hierarchy: Boolean(mem['use_hierarchy']),
      stats,
    },
    pids_stats: { current: n(pids['current']), limit: n(pids['limit']) },
    blkio_stats: {
      io_service_bytes_recursive: entries(blkio['ioServiceBytesRecursive']),
      io_serviced_recursive: entries(blkio['ioServicedRecursive']),
      io_queued_recursive: entries(blkio['ioQueueRecursive']),
      io_service_time_recursive: entries(blkio['ioServiceTimeRecursive']),
      io_wait_time_recursive: entries(blkio['ioWaitTimeRecursive']),
      io_merged_recursive: entries(blkio['ioMergedRecursive']),
      io_time_recursive: entries(blkio['ioTimeRecursive']),
      sectors_recursive: entries(blkio['sectorsRecursive']),
    },
    hugetlb_stats: hugetlb,
  };
}

function memData(v: unknown): Obj {
  const m = obj(v);
  return { usage: n(m['usage']), max_usage: n(m['max']), failcnt: n(m['failcnt']), limit: n(m['limit']) };
}

function entries(v: unknown): Obj[] {
  return arr(v).map((e) => {
    const x = obj(e);
    return {
      major: n(x['major']),
      minor: n(x['minor']),
      op: typeof x['op'] === 'string' ? x['op'] : '',
      value: n(x['value']),
    };
  });
}

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** uint64 figures: runc prints some above 2^53 (an unlimited memory limit), kept exact as bigint. */
function n(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return 0n;
}

/**
 * Parses runc's JSON keeping integers beyond 2^53 exact: they are turned into strings before
 * JSON.parse rounds them, and {@link toCgroupStats} reads them back as bigint.
 */
export function parseRuncJson(text: string): Obj {
  return JSON.parse(text.replace(/([:[,]\s*)(\d{16,})(?=\s*[,}\]])/g, '$1"$2"')) as Obj;
}
