import assert from 'node:assert/strict';
import { existsSync, statfsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileIoFor, isMemoryBacked, RAMFS_MAGIC, TMPFS_MAGIC } from '../file-io.js';

const SHM = '/dev/shm';

function memoryType(path: string): boolean {
  const t = statfsSync(path).type;
  return t === TMPFS_MAGIC || t === RAMFS_MAGIC;
}

test('storage detection follows statfs, for a file and for one not created yet', async () => {
  const dirs = [tmpdir(), ...(existsSync(SHM) ? [SHM] : [])];
  for (const d of dirs) {
    assert.equal(await isMemoryBacked(d), memoryType(d), d);
    assert.equal(await isMemoryBacked(join(d, 'not-there-yet.log')), memoryType(d), d);
  }
});

test('both paths write all bytes at the position, cut and sync', async (t) => {
  const dirs = [tmpdir(), ...(existsSync(SHM) ? [SHM] : [])];
  if (!dirs.some(memoryType)) t.diagnostic(`no memory-backed directory here: only the thread-pool path runs`);
  for (const d of dirs) {
    const base = await mkdtemp(join(d, 'ward-file-io-'));
    try {
      const path = join(base, 'f');
      const io = await fileIoFor(path);
      assert.equal(io.memoryBacked, memoryType(d));
      const fh = await open(path, 'w+');
      await io.writeAll(fh, Buffer.from('hello world'), 0);
      await io.writeAll(fh, Buffer.from('WORLD'), 6);
      await io.datasync(fh);
      assert.equal((await readFile(path)).toString(), 'hello WORLD');
      await fh.close();
      // A closed descriptor is an error from both paths, never a silent success: every commit
      // writes before it syncs. (On tmpfs the sync itself is skipped: it does nothing there.)
      await assert.rejects(io.writeAll(fh, Buffer.from('x'), 0));
      if (io.memoryBacked) await io.datasync(fh);
      else await assert.rejects(io.datasync(fh));
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  }
});

test('the log and its WAL take the inline path only when both are in memory', async (t) => {
  if (!existsSync(SHM) || !memoryType(SHM) || memoryType(tmpdir()))
    return t.skip('needs tmpfs and a disk directory');
  assert.equal((await fileIoFor(join(SHM, 'a'), join(SHM, 'b'))).memoryBacked, true);
  assert.equal((await fileIoFor(join(SHM, 'a'), join(tmpdir(), 'b'))).memoryBacked, false);
});
