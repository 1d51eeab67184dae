import { open, readFile, unlink } from 'node:fs/promises';
import { MeasureError } from './errors.js';

/**
 * The single-writer lock of a log: a file created exclusively holding the owner's pid. A lock
 * whose owner no longer exists (a writer killed with -9) is taken over, because recovery is
 * exactly what the next writer must do.
 */
export class LogLock {
  private constructor(readonly path: string) {}

  /** Takes the lock or throws ERR_MEASURE_LOCKED naming the live owner. */
  static async acquire(path: string): Promise<LogLock> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(path, 'wx');
        await fh.writeFile(`${process.pid}\n`);
        await fh.close();
        return new LogLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new MeasureError(
            'ERR_MEASURE_LOCKED',
            `cannot create lock ${path}: ${(err as Error).message}`,
          );
        }
      }
      const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new MeasureError('ERR_MEASURE_LOCKED', `log is locked by running process ${owner} (${path})`);
      }
      if (owner === process.pid)
        throw new MeasureError('ERR_MEASURE_LOCKED', `log is already open in this process (${path})`);
      await unlink(path).catch(() => undefined);
    }
    throw new MeasureError('ERR_MEASURE_LOCKED', `cannot take lock ${path}`);
  }

  /** Releases the lock. */
  async release(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
