import { createHash } from 'node:crypto';
import { encode } from '../../proto/index.js';
import { loggedRequests } from './crash-proxy.js';

/** One request of a crash or parity run: unique bytes, and the decision the policy must give. */
export interface SentRequest {
  readonly id: string;
  readonly method: 'CreateContainer' | 'ExecProcess';
  readonly containerId: string;
  readonly allowed: boolean;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  /** How its event is found in the log: `method:container_id`. */
  readonly key: string;
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed from its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Share of requests the crash policy allows (ids starting `ok-`). */
const ALLOWED_SHARE = 0.6;

/**
 * `count` requests alternating CreateContainer and ExecProcess, each with a container id of its
 * own (`ok-…` allowed, `no-…` denied by the crash policy), so every payload is unique and its
 * sha256 leads back to exactly one request.
 */
export function makeRequests(count: number, rng: () => number): SentRequest[] {
  const out: SentRequest[] = [];
  for (let i = 0; i < count; i++) {
    const method = i % 2 === 0 ? 'CreateContainer' : 'ExecProcess';
    const allowed = rng() < ALLOWED_SHARE;
    const id = `r${String(i).padStart(5, '0')}`;
    const containerId = `${allowed ? 'ok' : 'no'}-${id}`;
    const bytes =
      method === 'CreateContainer'
        ? encode('grpc.CreateContainerRequest', { container_id: containerId } as never)
        : encode('grpc.ExecProcessRequest', { container_id: containerId, exec_id: 'e' } as never);
    out.push({
      id,
      method,
      containerId,
      allowed,
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      key: `${method}:${containerId}`,
    });
  }
  return out;
}

/** `method:container_id` → the decision and sequence number of its event, for every agent-request event of a log. */
export function lookUpLog(bytes: Buffer): Map<string, { decision: string; seq: number }> {
  const out = new Map<string, { decision: string; seq: number }>();
  for (const e of loggedRequests(bytes)) {
    const cid = e.request?.['container_id'];
    if (typeof cid !== 'string') continue;
    const key = `${e.method}:${cid}`;
    if (out.has(key)) throw new Error(`the log holds ${key} twice`);
    out.set(key, { decision: e.decision, seq: e.seq });
  }
  return out;
}
