import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HarnessOptions, PrivateContainerd, unmountUnder } from './harness.js';

/** dist/bin of this build (where containerd finds containerd-shim-ward-v2). */
export const DIST_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin');

/** A private containerd with Ward registered and Ward's own run directory under a temp dir. */
export interface WardContainerd {
  readonly cd: PrivateContainerd;
  /** WARD_RUN_DIR of the shim daemon and its workers. */
  readonly runDir: string;
  /** The Ward config every pod uses unless the runtime options name another (WARD_CONFIG). */
  readonly configPath: string;
  /** PIDs of the workers serving pods now, by pod group id. */
  workers(): Promise<Map<string, number>>;
  /** Stops containerd, the shim daemon, every worker and agent, and removes the directories. */
  stop(): Promise<void>;
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
}

/**
 * Starts a private containerd whose PATH holds dist/bin, so `--runtime io.containerd.ward.v2`
 * runs this build's launcher; WARD_RUN_DIR and WARD_CONFIG point into a temp dir.
 */
export async function startWardContainerd(
  opts: HarnessOptions & { readonly wardConfig?: string } = {},
): Promise<WardContainerd> {
  const runDir = await mkdtemp(join(tmpdir(), 'ward-run-'));
  const configPath = join(runDir, 'config.toml');
  await writeFile(configPath, opts.wardConfig ?? '');
  const cd = await PrivateContainerd.start({
    ...opts,
    path: [DIST_BIN, ...(opts.path ?? [])],
    env: { ...opts.env, WARD_RUN_DIR: runDir, WARD_CONFIG: configPath },
    ...(opts.cri ? { wardConfigPath: opts.wardConfigPath ?? configPath } : {}),
  });
  const workers = async (): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    for (const key of await readdir(join(runDir, 'pods')).catch(() => [] as string[])) {
      try {
        const rec = JSON.parse(await readFile(join(runDir, 'pods', key, 'pod.json'), 'utf8')) as {
          group: string;
          workerPid: number;
        };
        out.set(rec.group, rec.workerPid);
      } catch {
        // pod going away
      }
    }
    return out;
  };
  return {
    cd,
    runDir,
    configPath,
    workers,
    async stop(): Promise<void> {
      await cd.stop();
      for (const pid of (await workers()).values()) killPid(pid, 'SIGKILL');
      const daemon = Number(await readFile(join(runDir, 'daemon.pid'), 'utf8').catch(() => '0'));
      if (daemon > 0) killPid(daemon, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      await unmountUnder(runDir);
      await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
