import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What survives a pod's worker on disk (under <run_dir>/pods/<key>/), for `delete` and restarts. */
export interface PodRecord {
  readonly key: string;
  readonly namespace: string;
  readonly group: string;
  /** Socket path containerd connects to. */
  readonly socket: string;
  readonly containerdAddress: string;
  readonly ttrpcAddress: string;
  readonly configPath: string;
  /** PID of the worker serving the pod. */
  readonly workerPid: number;
  /** Driver-specific data (e.g. the local agent's root and pid). */
  readonly driver: Readonly<Record<string, string | number>>;
}

/** One container's host-side resources, recorded before they are created. */
export interface ContainerRecord {
  readonly id: string;
  readonly bundle: string;
  /** `<bundle>/rootfs` when the shim mounted it. */
  readonly rootfs: string | undefined;
  /** Paths in the shared directory the shim bind-mounted for this container. */
  readonly shares: readonly string[];
}

async function writeAtomic(path: string, data: unknown): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(data), { mode: 0o600 });
  await rename(tmp, path);
}

/** Hex characters of the pod key used as its directory name. */
export const POD_KEY_CHARS = 16;

/** A pod's directory: pod.json, containers/<id>.json, the sandbox dir and the worker's log. */
export class PodDir {
  readonly dir: string;

  /** @param runDir Ward's run directory. @param key the pod key (socket file name). */
  constructor(runDir: string, key: string) {
    // Short names: runc's console sockets live under the agent root and unix paths end at 108 bytes.
    this.dir = join(runDir, 'pods', key.slice(0, POD_KEY_CHARS));
  }

  /** Directory the sandbox driver owns (agent root, agent sockets). */
  get sandboxDir(): string {
    return join(this.dir, 's');
  }

  /** The worker's own pino log; outside the pod dir so it outlives the pod for diagnosis. */
  get logFile(): string {
    return join(this.dir, '..', '..', 'logs', `${this.dir.split('/').pop()}.log`);
  }

  async writePod(rec: PodRecord): Promise<void> {
    await mkdir(join(this.dir, 'containers'), { recursive: true, mode: 0o700 });
    await writeAtomic(join(this.dir, 'pod.json'), rec);
  }

  async readPod(): Promise<PodRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, 'pod.json'), 'utf8')) as PodRecord;
    } catch {
      return undefined;
    }
  }

  async writeContainer(rec: ContainerRecord): Promise<void> {
    await mkdir(join(this.dir, 'containers'), { recursive: true, mode: 0o700 });
    await writeAtomic(join(this.dir, 'containers', `${rec.id}.json`), rec);
  }

  async readContainer(id: string): Promise<ContainerRecord | undefined> {
    try {
      return JSON.parse(
        await readFile(join(this.dir, 'containers', `${id}.json`), 'utf8'),
      ) as ContainerRecord;
    } catch {
      return undefined;
    }
  }

  async removeContainer(id: string): Promise<void> {
    await rm(join(this.dir, 'containers', `${id}.json`), { force: true });
  }

  /** Ids of containers still recorded. */
  async containerIds(): Promise<string[]> {
    const names = await readdir(join(this.dir, 'containers')).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5));
  }

  /** Removes the whole pod directory. */
  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * True when a process with that pid exists and is not a zombie: a killed worker whose parent is
 * gone may stay a zombie until init reaps it, and serves nothing.
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
