import { bool, type Msg, msg, msgs, num, str } from './fields.js';

/** Turns an oci.proto `LinuxResources` into runtime-spec JSON (zero values left out). */
export function toRuntimeResources(r: Msg | undefined, path: string): Record<string, unknown> | undefined {
  if (!r) return undefined;
  const out: Record<string, unknown> = {};
  const devices = msgs(r, 'Devices', path).map((d, i) => {
    const dp = `${path}.Devices[${i}]`;
    return compact({
      allow: bool(d, 'Allow', dp),
      type: str(d, 'Type', dp) || undefined,
      major: optNum(d, 'Major', dp, true),
      minor: optNum(d, 'Minor', dp, true),
      access: str(d, 'Access', dp) || undefined,
    });
  });
  if (devices.length > 0) out['devices'] = devices;
  const mem = msg(r, 'Memory', path);
  if (mem) {
    const mp = `${path}.Memory`;
    out['memory'] = compact({
      limit: optNum(mem, 'Limit', mp),
      reservation: optNum(mem, 'Reservation', mp),
      swap: optNum(mem, 'Swap', mp),
      kernel: optNum(mem, 'Kernel', mp),
      kernelTCP: optNum(mem, 'KernelTCP', mp),
      swappiness: optNum(mem, 'Swappiness', mp),
      disableOOMKiller: bool(mem, 'DisableOOMKiller', mp) || undefined,
    });
  }
  const cpu = msg(r, 'CPU', path);
  if (cpu) {
    const cp = `${path}.CPU`;
    out['cpu'] = compact({
      shares: optNum(cpu, 'Shares', cp),
      quota: optNum(cpu, 'Quota', cp),
      period: optNum(cpu, 'Period', cp),
      realtimeRuntime: optNum(cpu, 'RealtimeRuntime', cp),
      realtimePeriod: optNum(cpu, 'RealtimePeriod', cp),
      cpus: str(cpu, 'Cpus', cp) || undefined,
      mems: str(cpu, 'Mems', cp) || undefined,
    });
  }
  const pids = msg(r, 'Pids', path);
  if (pids && num(pids, 'Limit', `${path}.Pids`) !== 0)
    out['pids'] = { limit: num(pids, 'Limit', `${path}.Pids`) };
  const blk = msg(r, 'BlockIO', path);
  if (blk) {
    const bp = `${path}.BlockIO`;
    const throttle = (key: string) =>
      msgs(blk, key, bp).map((t, i) => ({
        major: num(t, 'Major', `${bp}.${key}[${i}]`),
        minor: num(t, 'Minor', `${bp}.${key}[${i}]`),
        rate: num(t, 'Rate', `${bp}.${key}[${i}]`),
      }));
    out['blockIO'] = compact({
      weight: optNum(blk, 'Weight', bp),
      leafWeight: optNum(blk, 'LeafWeight', bp),
      weightDevice: nonEmpty(
        msgs(blk, 'WeightDevice', bp).map((w, i) =>
          compact({
            major: num(w, 'Major', `${bp}.WeightDevice[${i}]`),
            minor: num(w, 'Minor', `${bp}.WeightDevice[${i}]`),
            weight: optNum(w, 'Weight', `${bp}.WeightDevice[${i}]`),
            leafWeight: optNum(w, 'LeafWeight', `${bp}.WeightDevice[${i}]`),
          }),
        ),
      ),
      throttleReadBpsDevice: nonEmpty(throttle('ThrottleReadBpsDevice')),
      throttleWriteBpsDevice: nonEmpty(throttle('ThrottleWriteBpsDevice')),
      throttleReadIOPSDevice: nonEmpty(throttle('ThrottleReadIOPSDevice')),
      throttleWriteIOPSDevice: nonEmpty(throttle('ThrottleWriteIOPSDevice')),
    });
  }
  const huge = msgs(r, 'HugepageLimits', path).map((h, i) => ({
    pageSize: str(h, 'Pagesize', `${path}.HugepageLimits[${i}]`),
    limit: num(h, 'Limit', `${path}.HugepageLimits[${i}]`),
  }));
  if (huge.length > 0) out['hugepageLimits'] = huge;
  const net = msg(r, 'Network', path);
  if (net) {
    const np = `${path}.Network`;
    out['network'] = compact({
      classID: optNum(net, 'ClassID', np),
      priorities: nonEmpty(
        msgs(net, 'Priorities', np).map((p, i) => ({
          name: str(p, 'Name', `${np}.Priorities[${i}]`),
          priority: num(p, 'Priority', `${np}.Priorities[${i}]`),
        })),
      ),
    });
  }
  return out;
}

function optNum(m: Msg, key: string, path: string, keepNegative = false): number | undefined {
  const n = num(m, key, path);
  if (n === 0 && m[key] === undefined) return undefined;
  if (n === 0 && !keepNegative) return undefined;
  return n;
}

function nonEmpty<T>(a: T[]): T[] | undefined {
  return a.length > 0 ? a : undefined;
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}
