import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The cgroup v1 hierarchy the identity tests move processes into (pids: cheap, always there). */
export const CGROUP_V1_ROOT = '/sys/fs/cgroup/pids';

/** Why cgroup-based tests cannot run here, or '' when they can. */
export function cgroupSkipReason(): string {
  if (process.getuid?.() !== 0) return 'needs root to create cgroups and move processes';
  if (!existsSync(join(CGROUP_V1_ROOT, 'cgroup.procs')))
    return `no cgroup v1 pids hierarchy at ${CGROUP_V1_ROOT}`;
  return '';
}

/** The repository root (tests run from dist/integration/test). */
export function repoRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/** Processes parked in fake Kubernetes-style cgroups, cleaned up together. */
export class CgroupProcesses {
  private readonly procs: ChildProcess[] = [];
  private readonly dirs: string[] = [];

  /** Starts `sleep` and moves it into `<CGROUP_V1_ROOT><relPath>`; returns its pid. */
  start(relPath: string): number {
    const dir = join(CGROUP_V1_ROOT, relPath);
    mkdirSync(dir, { recursive: true });
    this.dirs.push(dir);
    const child = spawn('sleep', ['600'], { stdio: 'ignore' });
    this.procs.push(child);
    writeFileSync(join(dir, 'cgroup.procs'), String(child.pid));
    return child.pid!;
  }

  /** Kills every process and removes the cgroup directories (deepest first). */
  async cleanup(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGKILL');
          }),
      ),
    );
    const all = new Set<string>();
    for (const d of this.dirs) {
      for (let p = d; p.startsWith(`${CGROUP_V1_ROOT}/`); p = dirname(p)) all.add(p);
    }
    for (const d of [...all].sort((a, b) => b.length - a.length)) {
      try {
        rmdirSync(d);
      } catch {
        // Still used by another test's process or already gone: leave it.
      }
    }
  }
}

/** A pid that existed and has exited (reaped). */
export async function exitedPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}
