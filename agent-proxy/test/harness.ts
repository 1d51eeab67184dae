import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Client, connect } from '../../proto/index.js';

/** Project root (tests run from dist/agent-proxy/test). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The shared conformance data beside the project. */
export const CONFORMANCE = join(ROOT, '..', 'shared', 'conformance');
/** The regorus Kata corpus. */
export const KATA_CORPUS = join(CONFORMANCE, 'kata-policy', 'regorus-kata-tests');

/** A fresh temporary directory, removed by `cleanup`. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A running ward-runc-agent child and the file where it records every request it received. */
export interface AgentProcess {
  readonly address: string;
  readonly recordFile: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
  /** Records of every request received so far (service, method, payload sha256). */
  received(): { service: string; method: string; sha256: string }[];
}

/** Starts ward-runc-agent on a unix socket under `dir`, waiting until it accepts connections. */
export async function startAgent(dir: string): Promise<AgentProcess> {
  const address = `unix://${join(dir, 'agent.sock')}`;
  const recordFile = join(dir, 'agent-record.jsonl');
  const child = spawn(
    join(ROOT, 'dist', 'bin', 'ward-runc-agent'),
    ['--listen', address, '--root', join(dir, 'agent-root'), '--record', recordFile],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await waitForSocket(address, () => `ward-runc-agent did not start: ${stderr}`, child);
  return {
    address,
    recordFile,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
    },
    received() {
      if (!existsSync(recordFile)) return [];
      return readFileSync(recordFile, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as { service: string; method: string; sha256: string });
    },
  };
}

/** Polls until a ttrpc connection to `address` succeeds (or the child dies / 15 s pass). */
export async function waitForSocket(address: string, why: () => string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) break;
    try {
      const s = await connect(address, { timeoutMs: 1000 });
      s.destroy();
      return;
    } catch {
      await sleep(25);
    }
  }
  throw new Error(why());
}

/** A ttrpc client connected to `address`. */
export async function dialClient(address: string): Promise<Client> {
  return new Client(await connect(address));
}

/** One corpus request: its endpoint (request message name) and policy-input JSON text. */
export interface CorpusLine {
  readonly endpoint: string;
  readonly json: string;
  /** The expected decision from outputs.json. */
  readonly allowed: boolean;
}

const LINE_RE = /^\["ep":"(\w+)",(.*)\],?$/;

/** Reads a corpus folder's requests with their expected decisions, skipping the non-request line. */
export function readCorpus(folder: string): CorpusLine[] {
  const lines = readFileSync(join(KATA_CORPUS, folder, 'inputs.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const outputs = JSON.parse(readFileSync(join(KATA_CORPUS, folder, 'outputs.json'), 'utf8')) as boolean[];
  if (outputs.length !== lines.length)
    throw new Error(`${folder}: ${lines.length} inputs, ${outputs.length} outputs`);
  const out: CorpusLine[] = [];
  lines.forEach((line, i) => {
    const m = LINE_RE.exec(line);
    if (m === null) throw new Error(`${folder}:${i + 1}: unrecognised line`);
    if (m[1] === 'AllowRequestsFailingPolicy') return;
    out.push({ endpoint: m[1] ?? '', json: m[2] ?? '', allowed: outputs[i] === true });
  });
  return out;
}
