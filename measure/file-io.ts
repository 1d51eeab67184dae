import { writeSync } from 'node:fs';
import { type FileHandle, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

/** `statfs` f_type of tmpfs (linux/magic.h). */
export const TMPFS_MAGIC = 0x01021994;
/** `statfs` f_type of ramfs (linux/magic.h). */
export const RAMFS_MAGIC = 0x858458f6;

/**
 * The few file operations a commit makes. Every operation completes (short writes are
 * continued) or throws; callers treat a throw as a failed commit.
 */
export interface FileIo {
  /** True when the file lives in memory (tmpfs, ramfs): its operations run synchronously. */
  readonly memoryBacked: boolean;
  /** Writes all of `bytes` at `position`. */
  writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void>;
  /** fdatasync(2); nothing on memory-backed files, where the kernel's fdatasync does nothing. */
  datasync(fh: FileHandle): Promise<void>;
}

/**
 * Through libuv's thread pool: while a disk fdatasync takes a millisecond, the event loop goes
 * on decoding and deciding the next requests, which join the next group commit.
 */
const threadPoolIo: FileIo = {
  memoryBacked: false,
  async writeAll(fh, bytes, position) {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
  },
  async datasync(fh) {
    await fh.datasync();
  },
};

/**
 * In the calling thread: on tmpfs a write is a copy into the page cache and fdatasync does
 * nothing, so the thread-pool round trip (tens of microseconds, twice per operation) would cost
 * more than the work. The guest keeps the log on tmpfs, so this is the production path there.
 */
const inlineIo: FileIo = {
  memoryBacked: true,
  async writeAll(fh, bytes, position) {
    writeAllNow(fh.fd, bytes, position);
  },
  // fdatasync on tmpfs and ramfs does nothing (the kernel's noop_fsync): a write is as durable as
  // these file systems make anything once it returns (it outlives the process, not the machine).
  // The system call is skipped rather than made for nothing on every commit.
  async datasync() {},
};

/**
 * Writes all of `bytes` at `position` in the calling thread (continuing short writes): the
 * inline path's write, for callers on memory-backed files that commit without awaiting.
 */
export function writeAllNow(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

/** Whether `path` (an existing file, or a file to be created in an existing directory) is in memory. */
export async function isMemoryBacked(path: string): Promise<boolean> {
  const at = await statfs(path).catch(() => statfs(dirname(path)));
  return at.type === TMPFS_MAGIC || at.type === RAMFS_MAGIC;
}

/**
 * The file operations for files at `paths`: inline when every one of them is on memory-backed
 * storage, else the thread pool.
 */
export async function fileIoFor(...paths: readonly string[]): Promise<FileIo> {
  for (const p of paths) if (!(await isMemoryBacked(p).catch(() => false))) return threadPoolIo;
  return inlineIo;
}
