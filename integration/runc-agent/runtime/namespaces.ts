import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unmount } from '../../sys/index.js';
import { AgentError } from './errors.js';

const run = promisify(execFile);
/** util-linux's unshare(1), which can persist a namespace by bind-mounting it onto a file. */
export const UNSHARE = 'unshare';

/** The sandbox's persistent namespaces: every container joins them. */
export interface SharedNamespaces {
  readonly ipc: string;
  readonly uts: string;
}

/**
 * Makes the sandbox's shared IPC and UTS namespaces, as the kata-agent does at CreateSandbox:
 * new namespaces bind-mounted on files in `dir`, with the UTS namespace's hostname set, so
 * they outlive any process and containers join them by path.
 */
export async function createSharedNamespaces(dir: string, hostname: string): Promise<SharedNamespaces> {
  mkdirSync(dir, { recursive: true });
  const ns = { ipc: join(dir, 'ipc'), uts: join(dir, 'uts') };
  writeFileSync(ns.ipc, '');
  writeFileSync(ns.uts, '');
  const args = [`--ipc=${ns.ipc}`, `--uts=${ns.uts}`];
  try {
    await run(UNSHARE, hostname ? [...args, 'hostname', hostname] : [...args, 'true']);
  } catch (err) {
    removeSharedNamespaces(ns);
    const msg = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
    throw new AgentError('INTERNAL', `cannot create the sandbox namespaces: ${msg}`, { cause: err });
  }
  return ns;
}

/** Unmounts and removes the namespace files; idempotent. */
export function removeSharedNamespaces(ns: SharedNamespaces): void {
  for (const p of [ns.ipc, ns.uts]) {
    unmount(p);
    rmSync(p, { force: true });
  }
}
