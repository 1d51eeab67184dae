import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AgentError } from './errors.js';
import type { SharedNamespaces } from './namespaces.js';
import type { StorageRecord } from './storage.js';

/** The minimal record a restarted agent needs to tear a sandbox down. */
export interface PersistedSandbox {
  readonly version: 1;
  readonly sandboxId: string;
  readonly containers: readonly string[];
  readonly storages: readonly StorageRecord[];
  readonly namespaces?: SharedNamespaces;
  readonly cgroupParent: string;
}

/** Writes the record atomically (temp file + rename), so a kill -9 leaves the old or the new one. */
export function saveState(file: string, s: PersistedSandbox): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Reads the record; undefined when there is none. A corrupt record throws. */
export function loadState(file: string): PersistedSandbox | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const s = JSON.parse(text) as PersistedSandbox;
    if (s.version !== 1 || typeof s.sandboxId !== 'string' || !Array.isArray(s.containers))
      throw new Error('bad shape');
    return s;
  } catch (err) {
    throw new AgentError('INTERNAL', `corrupt agent state ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Removes the record. */
export function clearState(file: string): void {
  rmSync(file, { force: true });
}
