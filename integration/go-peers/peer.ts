import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The ttrpc service the Go peer serves and calls (`ward.test.Peer`). */
export const GO_PEER_SERVICE = 'ward.test.Peer';

/** Encodes a `google.protobuf.BytesValue` (field 1, bytes): the message the Go peer exchanges. */
export function encodeBytesValue(value: Uint8Array): Buffer {
  if (value.length === 0) return Buffer.alloc(0);
  const len: number[] = [];
  let n = value.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([0x0a, ...len]), value]);
}

/** Decodes a `google.protobuf.BytesValue`; throws on anything else. */
export function decodeBytesValue(buf: Uint8Array): Buffer {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  if (b.length === 0) return Buffer.alloc(0);
  if (b[0] !== 0x0a) throw new Error('not a BytesValue');
  let len = 0;
  let shift = 0;
  let i = 1;
  for (; i < b.length; i++) {
    const byte = b[i]!;
    len += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) break;
  }
  i++;
  if (i + len !== b.length) throw new Error('BytesValue length mismatch');
  return b.subarray(i);
}

/** A running Go ttrpc server; `stop()` closes its stdin, which makes it exit. */
export interface GoPeerServer {
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `ttrpc-peer server -socket path` and waits for it to print READY. */
export function startGoPeerServer(bin: string, socket: string): Promise<GoPeerServer> {
  const child = spawn(bin, ['server', '-socket', socket], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`go peer server exited (${code}): ${err}`)));
    child.stdout?.once('data', (d: Buffer) => {
      if (!d.toString().startsWith('READY')) {
        reject(new Error(`go peer server said: ${d.toString()}`));
        return;
      }
      resolve({
        process: child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) {
              done();
              return;
            }
            child.once('exit', () => done());
            child.stdin?.end();
            setTimeout(() => child.kill('SIGKILL'), 2000).unref();
          }),
      });
    });
  });
}

/** Runs `ttrpc-peer client -scenario name` against a server socket and returns its JSON result. */
export async function runGoPeerClient(
  bin: string,
  socket: string,
  scenario: string,
  arg = 0,
): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    bin,
    ['client', '-socket', socket, '-scenario', scenario, '-arg', String(arg)],
    {
      timeout: 60_000,
    },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Latency figures the Go bench client prints. */
export interface GoBenchResult {
  readonly p50_us: number;
  readonly p99_us: number;
  readonly calls_per_s: number;
  readonly seconds: number;
}

/** Runs `ttrpc-peer bench` (Echo round trips, `inflight` calls in flight) against a server socket. */
export async function runGoPeerBench(
  bin: string,
  socket: string,
  calls: number,
  inflight: number,
  size: number,
): Promise<GoBenchResult> {
  const { stdout } = await run(
    bin,
    ['bench', '-socket', socket, '-n', String(calls), '-c', String(inflight), '-size', String(size)],
    { timeout: 120_000 },
  );
  return JSON.parse(stdout) as GoBenchResult;
}
