import { createHash } from 'node:crypto';
import type { JsonValue } from './jcs.js';

/** AAEL domain of every event Ward writes. */
export const WARD_DOMAIN = 'ward';
/** Operation of the init-data event (the log's first). */
export const OP_INITDATA = 'initdata';
/** Operation of a policy change event. */
export const OP_POLICY = 'policy';

/** Agent requests whose bulk byte field is measured by length and SHA-256 instead of content. */
export const BULK_DATA_FIELDS: Readonly<Record<string, string>> = {
  WriteStreamRequest: 'data',
  CopyFileRequest: 'data',
};

/** The policy's verdict on a request. */
export type Decision = 'allow' | 'deny';

/** What the proxy knows about one agent request when it measures it. */
export interface AgentEventInput {
  /** Request message name as the policy sees it, e.g. `CreateContainerRequest`. */
  readonly rpc: string;
  /**
   * The request exactly as the policy saw it (kata-agent serde JSON shape); with 64-bit
   * integers as bigint, append the content `lossless` (AppendOptions).
   */
  readonly request: unknown;
  readonly decision: Decision;
  /** Digest of the policy that decided, e.g. `sha256:…`. */
  readonly policyDigest: string;
}

/** Length and SHA-256 of a byte payload, the stand-in for stdio data and CopyFile contents. */
export function payloadSummary(bytes: Uint8Array | readonly number[]): { length: number; sha256: string } {
  const buf = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
  return { length: buf.length, sha256: createHash('sha256').update(buf).digest('hex') };
}

// The request as the log records it: the bulk byte field of WriteStream and CopyFile requests
// (BULK_DATA_FIELDS) replaced by its length and SHA-256, everything else as it is.
function measuredRequest(rpc: string, request: unknown): unknown {
  const field = BULK_DATA_FIELDS[rpc];
  if (!field || request === null || typeof request !== 'object' || Array.isArray(request)) return request;
  const obj = request as { readonly [k: string]: unknown };
  const data = obj[field];
  if (!Array.isArray(data) && typeof data !== 'string') return request;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : (data as readonly number[]);
  return { ...obj, [field]: payloadSummary(bytes) };
}

/**
 * The content of an agent event (the log adds `seq`): RPC name, the request as the policy saw
 * it with bulk bytes replaced by length + SHA-256, the decision and the policy digest.
 * Use with `log.appendEvent(WARD_DOMAIN, agentOperation(rpc), agentEventContent(input))`.
 */
export function agentEventContent(input: AgentEventInput): { [k: string]: unknown } {
  return {
    rpc: input.rpc,
    request: measuredRequest(input.rpc, input.request),
    decision: input.decision,
    policy: input.policyDigest,
  };
}

/** The AAEL operation of an agent request: its RPC name without the `Request` suffix. */
export function agentOperation(rpc: string): string {
  return rpc.endsWith('Request') ? rpc.slice(0, -'Request'.length) : rpc;
}

/** The content of a policy change event. */
export function policyEventContent(
  policyDigest: string,
  source: string,
): { readonly [k: string]: JsonValue } {
  return { policy: policyDigest, source };
}
