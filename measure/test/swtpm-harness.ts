import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** A private swtpm (TPM 2.0) on unix sockets in `dir`, plus the TCTI string tpm2-tools 5.4 needs. */
export interface Swtpm {
  readonly sock: string;
  /** tss2 swtpm TCTI: the control socket is implied as `<path>.ctrl`. */
  readonly tcti: string;
  stop(): Promise<void>;
}

/** Why swtpm tests cannot run here, or undefined when they can. */
export function swtpmMissing(): string | undefined {
  for (const bin of ['/usr/bin/swtpm', '/usr/bin/tpm2_pcrread', '/usr/bin/tpm2_quote']) {
    if (!existsSync(bin)) return `${bin} is not installed (apt-get install swtpm tpm2-tools)`;
  }
  return undefined;
}

/** Starts swtpm with its own state directory; resolves once the data socket exists. */
export async function startSwtpm(dir: string): Promise<Swtpm> {
  const state = join(dir, 'tpmstate');
  await mkdir(state, { recursive: true });
  const sock = join(dir, 'swtpm.sock');
  const child: ChildProcess = spawn(
    'swtpm',
    [
      'socket',
      '--tpm2',
      '--tpmstate',
      `dir=${state}`,
      '--server',
      `type=unixio,path=${sock}`,
      '--ctrl',
      `type=unixio,path=${sock}.ctrl`,
      '--flags',
      'not-need-init,startup-clear',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100 && !(existsSync(sock) && existsSync(`${sock}.ctrl`)); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!existsSync(sock)) {
    child.kill('SIGKILL');
    throw new Error('swtpm did not create its socket');
  }
  return {
    sock,
    tcti: `swtpm:path=${sock}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    },
  };
}

/** Runs a tpm2-tools command against the swtpm; returns stdout. */
export async function tpm2(tpm: Swtpm, tool: string, args: readonly string[], cwd?: string): Promise<string> {
  const { stdout } = await exec(tool, [...args], { env: { ...process.env, TPM2TOOLS_TCTI: tpm.tcti }, cwd });
  return stdout;
}

/** Reads one PCR with tpm2_pcrread and returns its value as hex. */
export async function pcrreadHex(tpm: Swtpm, bank: string, pcr: number): Promise<string> {
  const out = await tpm2(tpm, 'tpm2_pcrread', [`${bank}:${pcr}`]);
  const m = out.match(new RegExp(`\\b${pcr}\\s*:\\s*0x([0-9A-Fa-f]+)`));
  if (!m?.[1]) throw new Error(`cannot parse tpm2_pcrread output: ${out}`);
  return m[1].toLowerCase();
}

/**
 * Creates an EK and an AK (RSA/RSASSA or ECC/ECDSA, SHA-256) with tpm2-tools, makes the AK persistent at
 * `handle` and writes its PEM public key to `<dir>/ak.pem`. swtpm has no resource manager, so
 * transient objects and sessions are flushed after each step.
 */
export async function makeAk(tpm: Swtpm, dir: string, handle: string, ecc = false): Promise<string> {
  const flush = async (): Promise<void> => {
    await tpm2(tpm, 'tpm2_flushcontext', ['-t'], dir);
    await tpm2(tpm, 'tpm2_flushcontext', ['-s'], dir);
  };
  await tpm2(tpm, 'tpm2_createek', ['-c', 'ek.ctx', '-G', ecc ? 'ecc' : 'rsa', '-u', 'ek.pub'], dir);
  await flush();
  const ak = ecc ? ['-G', 'ecc', '-s', 'ecdsa'] : ['-G', 'rsa', '-s', 'rsassa'];
  await tpm2(
    tpm,
    'tpm2_createak',
    ['-C', 'ek.ctx', '-c', 'ak.ctx', ...ak, '-g', 'sha256', '-u', 'ak.pem', '-f', 'pem'],
    dir,
  );
  await flush();
  await tpm2(tpm, 'tpm2_evictcontrol', ['-C', 'o', '-c', 'ak.ctx', handle], dir);
  await flush();
  await tpm2(tpm, 'tpm2_readpublic', ['-c', handle, '-f', 'pem', '-o', 'ak-read.pem'], dir);
  return join(dir, 'ak-read.pem');
}
