import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time a process has used so far, all its threads, in nanoseconds (the first field of each
 * `/proc/<pid>/task/<tid>/schedstat`: exact, where `/proc/<pid>/stat` counts 10 ms ticks). NaN
 * where the kernel does not keep schedstats or the process is gone.
 */
export function processCpuNs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8');
      ns += Number(text.slice(0, text.indexOf(' ')));
    }
    return ns;
  } catch {
    return Number.NaN;
  }
}
