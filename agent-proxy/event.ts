import { agentEventContent, type Decision, payloadSummary } from '../measure/index.js';

/** What the log records about one agent request (the log adds `seq`). */
export interface RequestEventInput {
  /** The RPC as called, e.g. `ReadStdout` (several RPCs share one request message). */
  readonly method: string;
  /** The policy entry point, e.g. `ReadStreamRequest`. */
  readonly requestName: string;
  /** The policy input (kata-agent serde JSON shape), or null when the request did not decode. */
  readonly input: unknown;
  readonly decision: Decision;
  readonly policyDigest: string;
  /** Bytes the policy input leaves out but the agent receives (CopyFile contents). */
  readonly hiddenData?: Uint8Array;
  /** Why a request was refused without a policy verdict (decode, unknown method, engine error). */
  readonly error?: string;
  /** Length and SHA-256 of the raw request, recorded when it could not be decoded. */
  readonly rawPayload?: Uint8Array;
  /** The patch the decision applied to the policy state (see Verdict.ops). */
  readonly ops?: unknown;
}

/**
 * The event content for one request: measure's agent event (RPC, request with bulk bytes as
 * length + SHA-256, decision, policy digest) plus the RPC method, for refusals the reason, and
 * for allowed requests that changed the policy state the patch they applied (`ops`). The request
 * and the patch are the decoded values as they are, bigints included: append it with
 * `lossless` (64-bit integers beyond 2^53 are then recorded as decimal strings, not rounded;
 * docs/AGENT-PROXY.md).
 */
export function requestEventContent(e: RequestEventInput): { readonly [k: string]: unknown } {
  let request: unknown = e.input ?? null;
  if (e.requestName === 'SetPolicyRequest') request = redactPolicyText(request);
  if (e.hiddenData !== undefined && isObject(request)) {
    request = { ...request, data: payloadSummary(e.hiddenData) };
  }
  const content = agentEventContent({
    rpc: e.requestName,
    request,
    decision: e.decision,
    policyDigest: e.policyDigest,
  });
  content['method'] = e.method;
  if (e.error !== undefined) content['error'] = e.error;
  if (e.rawPayload !== undefined) content['payload'] = payloadSummary(e.rawPayload);
  if (e.ops !== undefined) content['ops'] = e.ops;
  return content;
}

function isObject(v: unknown): v is { readonly [k: string]: unknown } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// The policy text itself is recorded by digest: the log is for replay, and the policy event
// that follows an accepted SetPolicy names the same digest.
function redactPolicyText(request: unknown): unknown {
  if (!isObject(request)) return request;
  const policy = request['policy'];
  if (typeof policy !== 'string') return request;
  return { ...request, policy: payloadSummary(Buffer.from(policy, 'utf8')) };
}
