import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  AGENT_SERVICE,
  decode,
  encode,
  findMethod,
  HEALTH_SERVICE,
  type MessageName,
} from '../../proto/index.js';
import { Client, type TtrpcError } from '../../proto/ttrpc/index.js';

/** A test client of the Kata agent API over Ward's ttrpc client. */
export interface AgentClient {
  call(method: string, req?: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** The status code of a call that must fail. */
  status(method: string, req?: Record<string, unknown>): Promise<{ code: number; message: string }>;
  close(): void;
}

/** Connects to an agent at a unix socket path. */
export async function connectAgent(path: string): Promise<AgentClient> {
  const socket = await connectWithRetry(path);
  const client = new Client(socket);
  const call = async (method: string, req: Record<string, unknown> = {}, timeoutMs?: number) => {
    const service = findMethod(AGENT_SERVICE, method) ? AGENT_SERVICE : HEALTH_SERVICE;
    const spec = findMethod(service, method);
    if (!spec) throw new Error(`no method ${method}`);
    const payload = encode(spec.requestType as MessageName, req as never);
    const res = await client.call(service, method, payload, timeoutMs ? { timeoutMs } : undefined);
    return decode(spec.responseType as MessageName, res) as unknown as Record<string, unknown>;
  };
  return {
    call,
    async status(method, req) {
      try {
        await call(method, req);
      } catch (err) {
        const e = err as TtrpcError;
        return { code: e.grpcCode, message: e.message };
      }
      throw new Error(`${method} succeeded but was expected to fail`);
    },
    close: () => client.close(),
  };
}

/** Connects, retrying briefly while the agent is still coming up (socket file before listen). */
async function connectWithRetry(path: string): Promise<Socket> {
  for (let attempt = 0; ; attempt++) {
    const socket = connect(path);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      return socket;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 40 || (code !== 'ECONNREFUSED' && code !== 'ENOENT')) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The compiled agent binary. */
export const AGENT_BIN = join(import.meta.dirname, '../../bin/ward-runc-agent');

/** Socket-file polls (25 ms apart) before an agent counts as not starting: 30 s. */
const AGENT_START_POLLS = 1200;

/** Starts the agent binary; resolves once its socket exists. */
export async function spawnAgent(root: string, sock: string, record?: string): Promise<ChildProcess> {
  // A killed agent leaves its socket file: wait for the new one, not the stale one.
  rmSync(sock, { force: true });
  const args = ['--listen', `unix://${sock}`, '--root', root, ...(record ? ['--record', record] : [])];
  const child = spawn(process.execPath, [AGENT_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  // Generous: on a loaded machine Node alone can take seconds to start.
  for (let i = 0; i < AGENT_START_POLLS && !existsSync(sock); i++) {
    if (child.exitCode !== null) throw new Error(`agent exited ${child.exitCode}: ${err}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  if (!existsSync(sock)) {
    // Not left running: its stderr pipe would keep the test process alive until its timeout.
    child.kill('SIGKILL');
    throw new Error(`agent did not listen: ${err}`);
  }
  return child;
}

/** Reads a stream to EOF through ReadStdout / ReadStderr. */
export async function readToEof(
  c: AgentClient,
  method: 'ReadStdout' | 'ReadStderr',
  containerId: string,
  execId: string,
): Promise<string> {
  let out = '';
  for (;;) {
    const r = await c.call(method, { container_id: containerId, exec_id: execId, len: 4096 });
    const data = r['data'] as Uint8Array;
    if (data.length === 0) return out;
    out += Buffer.from(data).toString('utf8');
  }
}
