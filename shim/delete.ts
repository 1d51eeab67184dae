import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startRuncAgent } from '../integration/runc-agent/index.js';
import { listMounts, UmountFlags, unmount } from '../integration/sys/index.js';
import { localLayout } from './drivers/local.js';
import { PodDir, type PodRecord, pidAlive } from './state/pod-state.js';
import { timestamp } from './task/process.js';
import { unmountAll, unshare } from './task/rootfs.js';
import { encodeMessage } from './wire/codec.js';

/** Exit status reported for a container whose shim died under it (killed: 128 + SIGKILL). */
export const DEAD_SHIM_EXIT_STATUS = 137;

async function findPod(runDir: string, id: string): Promise<PodDir | undefined> {
  const pods = await readdir(join(runDir, 'pods')).catch(() => [] as string[]);
  for (const key of pods) {
    const pod = new PodDir(runDir, key);
    if (await pod.readContainer(id)) return pod;
  }
  return undefined;
}

function kill(pid: unknown, signal: NodeJS.Signals): void {
  if (typeof pid === 'number' && pidAlive(pid)) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone meanwhile
    }
  }
}

/** Unmounts every mount under `dir`, deepest first (lazy unmount as the last resort). */
async function unmountUnder(dir: string): Promise<void> {
  const points = listMounts()
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) {
    try {
      unmount(p, UmountFlags.MNT_DETACH);
    } catch {
      // already gone
    }
  }
}

/**
 * Destroys a local sandbox whose worker is gone: its helpers are killed, then a fresh
 * ward-runc-agent on the same root destroys what the old one left.
 */
async function destroyOrphanedSandbox(pod: PodDir, rec: PodRecord): Promise<void> {
  kill(rec.driver['proxy'], 'SIGKILL');
  kill(rec.driver['agent'], 'SIGKILL');
  if (rec.driver['kind'] !== 'local') return;
  // A fresh agent on the same root takes over the sandbox the dead worker's agent left and
  // destroys it (runc containers killed and removed, mounts gone). It runs in this process, so
  // the clean-up costs no second Node start.
  const layout = localLayout(pod.sandboxDir);
  const sock = join(pod.sandboxDir, 'cleanup.sock');
  try {
    const agent = await startRuncAgent({ listen: `unix://${sock}`, root: layout.root });
    await agent.stop();
  } catch {
    // The agent could not help; the mounts below are still removed.
  }
  await unmountUnder(pod.sandboxDir);
}

/**
 * The binary `delete`: forced, idempotent clean-up of one container, for when containerd can no
 * longer reach the process that served it (or `start` failed). When that worker is gone the
 * whole pod is torn down (its sandbox cannot run without it); when it still serves other
 * containers only this container's mounts are removed. Returns the encoded DeleteResponse.
 */
export async function runDelete(runDir: string, id: string, bundle: string): Promise<Uint8Array> {
  const pod = id ? await findPod(runDir, id) : undefined;
  if (pod) {
    const rec = await pod.readPod();
    const workerAlive = rec !== undefined && pidAlive(rec.workerPid);
    const ctr = await pod.readContainer(id);
    if (rec && !workerAlive) await destroyOrphanedSandbox(pod, rec);
    for (const s of [...(ctr?.shares ?? [])].reverse()) await unshare(s).catch(() => undefined);
    if (ctr?.rootfs) await unmountAll(ctr.rootfs).catch(() => undefined);
    await pod.removeContainer(id);
    if ((await pod.containerIds()).length === 0) {
      if (rec && workerAlive) kill(rec.workerPid, 'SIGTERM');
      else {
        await unmountUnder(pod.dir);
        if (rec) await rm(rec.socket, { force: true });
        await pod.remove();
      }
    }
  }
  if (bundle) await unmountAll(join(bundle, 'rootfs')).catch(() => undefined);
  return encodeMessage('containerd.task.v2.DeleteResponse', {
    pid: 0,
    exit_status: DEAD_SHIM_EXIT_STATUS,
    exited_at: timestamp(Date.now()),
  });
}
