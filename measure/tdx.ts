import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SHA384 } from './alg.js';
import { MeasureError } from './errors.js';
import { initialValueFor, type Register } from './register.js';

/** Where Linux (6.16+, tsm-mr) exposes the TDX measurement registers. */
export const TDX_SYSFS_ROOT = '/sys/class/misc/tdx_guest/measurements';
/** Size of an RTMR and of MRCONFIGID: SHA-384. */
export const TDX_MR_SIZE = 48;
/** RTMRs a TD has. */
export const TDX_RTMR_COUNT = 4;

/**
 * The file operations the TDX backend needs. Production uses {@link FileSysfs} on the kernel's
 * directory, where writing 48 bytes to `rtmr<N>:sha384` extends the RTMR; tests substitute a
 * fake directory because no TDX hardware exists on CI machines.
 */
export interface TdxSysfs {
  readonly root: string;
  read(name: string): Promise<Buffer>;
  write(name: string, data: Buffer): Promise<void>;
}

/** The kernel's sysfs (or any directory with the same names) accessed with plain file I/O. */
export class FileSysfs implements TdxSysfs {
  /** @param root the measurements directory. */
  constructor(readonly root: string = TDX_SYSFS_ROOT) {}
  read(name: string): Promise<Buffer> {
    return readFile(join(this.root, name));
  }
  write(name: string, data: Buffer): Promise<void> {
    return writeFile(join(this.root, name), data);
  }
}

/** TDX RTMR n is CC MR index n+1 (index 0 is MRTD), the mapping CoCo's AAEL uses. */
export function rtmrToMrIndex(rtmr: number): number {
  return rtmr + 1;
}

/** A TDX RTMR extended through sysfs; SHA-384 only, default RTMR 3 (MR index 4). */
export class TdxRegister implements Register {
  readonly alg = SHA384;
  readonly hardwareRoot = true;
  readonly mrIndex: number;
  readonly description: string;
  private readonly file: string;

  /** @param rtmr 0..3. @param sysfs file access (the kernel's directory by default). */
  constructor(
    readonly spec: string,
    readonly rtmr: number,
    private readonly sysfs: TdxSysfs = new FileSysfs(),
  ) {
    if (!Number.isInteger(rtmr) || rtmr < 0 || rtmr >= TDX_RTMR_COUNT) {
      throw new MeasureError(
        'ERR_MEASURE_BAD_INPUT',
        `RTMR ${rtmr} does not exist (0..${TDX_RTMR_COUNT - 1})`,
      );
    }
    this.mrIndex = rtmrToMrIndex(rtmr);
    this.file = `rtmr${rtmr}:sha384`;
    this.description = `TDX RTMR${rtmr} (${sysfs.root}/${this.file}, MR index ${this.mrIndex})`;
  }

  initialValue(): Buffer {
    return initialValueFor(this.alg, this.mrIndex, false);
  }

  async read(): Promise<Buffer> {
    let v: Buffer;
    try {
      v = await this.sysfs.read(this.file);
    } catch (err) {
      throw new MeasureError(
        'ERR_MEASURE_UNAVAILABLE',
        `cannot read ${this.description}: ${(err as Error).message}`,
      );
    }
    if (v.length !== TDX_MR_SIZE)
      throw new MeasureError('ERR_MEASURE_REGISTER', `RTMR${this.rtmr} read ${v.length} bytes`);
    return v;
  }

  async extend(eventDigest: Buffer): Promise<void> {
    if (eventDigest.length !== TDX_MR_SIZE) {
      throw new MeasureError('ERR_MEASURE_REGISTER', `RTMR extend needs 48 bytes, got ${eventDigest.length}`);
    }
    try {
      await this.sysfs.write(this.file, eventDigest);
    } catch (err) {
      throw new MeasureError(
        'ERR_MEASURE_REGISTER',
        `cannot extend ${this.description}: ${(err as Error).message}`,
      );
    }
  }

  /** MRCONFIGID (48 bytes), where the host binds the init-data digest. */
  async mrConfigId(): Promise<Buffer> {
    let v: Buffer;
    try {
      v = await this.sysfs.read('mrconfigid');
    } catch (err) {
      throw new MeasureError('ERR_MEASURE_UNAVAILABLE', `MRCONFIGID unavailable: ${(err as Error).message}`);
    }
    if (v.length !== TDX_MR_SIZE)
      throw new MeasureError('ERR_MEASURE_REGISTER', `MRCONFIGID read ${v.length} bytes`);
    return v;
  }

  async close(): Promise<void> {}
}
