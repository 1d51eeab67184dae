import { type FileHandle, open } from 'node:fs/promises';
import { connect } from 'node:net';
import { MeasureError } from '../errors.js';
import { TPM_MAX_MESSAGE } from './constants.js';

/** Something that carries one TPM command and returns its response. */
export interface TpmTransport {
  readonly name: string;
  transmit(command: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}

/** Milliseconds Ward waits for a TPM response before failing (closed) the operation. */
export const TPM_TIMEOUT_MS = 30_000;

/**
 * The kernel's TPM device (`/dev/tpmrm0`, the resource-managed one): one write of the command,
 * one read of the whole response. Commands are serialized because the device is half-duplex.
 */
export class DeviceTransport implements TpmTransport {
  private fh: FileHandle | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  /** @param path usually /dev/tpmrm0. */
  constructor(readonly name: string) {}

  transmit(command: Buffer): Promise<Buffer> {
    const run = async (): Promise<Buffer> => {
      try {
        this.fh ??= await open(this.name, 'r+');
        await this.fh.write(command, 0, command.length);
        const buf = Buffer.alloc(TPM_MAX_MESSAGE);
        const { bytesRead } = await this.fh.read(buf, 0, buf.length);
        return buf.subarray(0, bytesRead);
      } catch (err) {
        throw new MeasureError('ERR_MEASURE_TPM', `${this.name}: ${(err as Error).message}`);
      }
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}

/**
 * swtpm's data socket (`--server type=unixio,path=…`): raw TPM commands, one connection per
 * command so that other clients (tpm2-tools, another Ward) can take turns; swtpm serves one
 * connection at a time. The control channel is not needed when swtpm runs with
 * `--flags not-need-init,startup-clear`.
 */
export class SwtpmSocketTransport implements TpmTransport {
  private chain: Promise<unknown> = Promise.resolve();
  /** @param path the unix socket. */
  constructor(readonly name: string) {}

  transmit(command: Buffer): Promise<Buffer> {
    const run = (): Promise<Buffer> => exchange(this.name, command);
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {}
}

function exchange(path: string, command: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let expected = -1;
    const sock = connect(path);
    const fail = (msg: string): void => {
      sock.destroy();
      reject(new MeasureError('ERR_MEASURE_TPM', `swtpm ${path}: ${msg}`));
    };
    sock.setTimeout(TPM_TIMEOUT_MS, () => fail('timed out'));
    sock.on('error', (err) => fail(err.message));
    sock.on('connect', () => sock.write(command));
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      total += d.length;
      if (expected < 0 && total >= 6) {
        expected = Buffer.concat(chunks).readUInt32BE(2);
        if (expected < 10 || expected > TPM_MAX_MESSAGE) return fail(`response size ${expected}`);
      }
      if (expected > 0 && total >= expected) {
        sock.end();
        resolve(Buffer.concat(chunks).subarray(0, expected));
      }
    });
    sock.on('end', () => {
      if (expected < 0 || total < expected) fail('connection closed mid-response');
    });
  });
}
