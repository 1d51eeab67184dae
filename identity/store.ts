import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IdentityError } from './errors.js';
import type { IdentityInput, IdentityRecord } from './record.js';
import { isContainerId, normalizeRecord } from './record.js';

/** Default state directory of the registry (one JSON file per container under it). */
export const DEFAULT_STATE_DIR = '/var/lib/ward/identity';
/** Largest record file accepted when reading back; anything bigger is corrupt or hostile. */
export const MAX_RECORD_FILE_BYTES = 256 * 1024;

const RECORDS = 'containers';
const SUFFIX = '.json';

function recordPath(dir: string, id: string): string {
  if (!isContainerId(id)) throw new IdentityError('ERR_IDENTITY_BAD_RECORD', `invalid container id '${id}'`);
  return join(dir, RECORDS, `${id}${SUFFIX}`);
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * The identity registry's durable state: one JSON file per container, written atomically
 * (temporary file, fsync, rename, fsync of the directory). One file per container lets every
 * proxy and shim process record its own containers with no cross-process lock, and a reader
 * never sees a half-written record. Corrupt files are errors, never silently skipped.
 */
export class IdentityStore {
  /** The state directory. */
  readonly dir: string;
  // Parsed records keyed by file identity: every write is a rename of a fresh inode, so an
  // unchanged (inode, ctime, mtime, size) means unchanged content and the file need not be re-read.
  private readonly cache = new Map<string, { readonly key: string; readonly rec: IdentityRecord }>();

  /** @param dir state directory; created (0700) on first write. */
  constructor(dir: string = DEFAULT_STATE_DIR) {
    this.dir = dir;
  }

  /** Validates and durably stores a record, replacing any earlier one for the same container. */
  async record(input: IdentityInput): Promise<IdentityRecord> {
    const rec = normalizeRecord(input);
    const target = recordPath(this.dir, rec.containerId);
    const recordsDir = join(this.dir, RECORDS);
    await mkdir(recordsDir, { recursive: true, mode: 0o700 });
    const tmp = join(recordsDir, `.${rec.containerId}.${randomBytes(6).toString('hex')}.tmp`);
    const h = await open(tmp, 'wx', 0o600);
    try {
      await h.writeFile(`${JSON.stringify(rec, null, 2)}\n`);
      await h.sync();
    } finally {
      await h.close();
    }
    try {
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new IdentityError('ERR_IDENTITY_STATE', `cannot store identity of ${rec.containerId}`, {
        cause: err,
      });
    }
    await fsyncDir(recordsDir);
    return rec;
  }

  /** Removes a container's record; false when there was none. */
  async remove(containerId: string): Promise<boolean> {
    const p = recordPath(this.dir, containerId);
    try {
      await rm(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new IdentityError('ERR_IDENTITY_STATE', `cannot remove identity of ${containerId}`, {
        cause: err,
      });
    }
    await fsyncDir(join(this.dir, RECORDS));
    return true;
  }

  /** The record of one container, or undefined. Throws ERR_IDENTITY_STATE on a corrupt file. */
  async get(containerId: string): Promise<IdentityRecord | undefined> {
    const p = recordPath(this.dir, containerId);
    let text: string;
    let key: string;
    try {
      const st = await stat(p, { bigint: true });
      key = `${st.dev}:${st.ino}:${st.ctimeNs}:${st.mtimeNs}:${st.size}`;
      const hit = this.cache.get(containerId);
      if (hit && hit.key === key) return hit.rec;
      const h = await open(p, 'r');
      try {
        const st = await h.stat();
        if (st.size > MAX_RECORD_FILE_BYTES) throw new Error(`larger than ${MAX_RECORD_FILE_BYTES} bytes`);
        text = await h.readFile('utf8');
      } finally {
        await h.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.cache.delete(containerId);
        return undefined;
      }
      throw new IdentityError('ERR_IDENTITY_STATE', `cannot read identity of ${containerId}`, { cause: err });
    }
    let rec: IdentityRecord;
    try {
      rec = normalizeRecord(JSON.parse(text));
    } catch (err) {
      throw new IdentityError('ERR_IDENTITY_STATE', `identity file of ${containerId} is corrupt`, {
        cause: err,
      });
    }
    if (rec.containerId !== containerId) {
      throw new IdentityError(
        'ERR_IDENTITY_STATE',
        `identity file of ${containerId} names ${rec.containerId}`,
      );
    }
    this.cache.set(containerId, { key, rec });
    return rec;
  }

  /** Every record, sorted by container id. */
  async list(): Promise<IdentityRecord[]> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, RECORDS));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new IdentityError('ERR_IDENTITY_STATE', `cannot list ${this.dir}`, { cause: err });
    }
    const ids = names
      .filter((n) => n.endsWith(SUFFIX) && !n.startsWith('.'))
      .map((n) => n.slice(0, -SUFFIX.length))
      .sort();
    const out: IdentityRecord[] = [];
    for (const id of ids) {
      const rec = await this.get(id);
      if (rec) out.push(rec);
    }
    return out;
  }
}
