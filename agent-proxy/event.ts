import {
  type AgentEventInput,
  agentEventContent,
  type Decision,
  type JsonValue,
  payloadSummary,
} from '../measure/index.js';

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
 * for allowed requests that changed the policy state the patch they applied (`ops`).
 */
export function requestEventContent(e: RequestEventInput): { readonly [k: string]: JsonValue } {
  let request = toMeasurable(e.input);
  if (e.requestName === 'SetPolicyRequest') request = redactPolicyText(request);
  if (
    e.hiddenData !== undefined &&
    request !== null &&
    typeof request === 'object' &&
    !Array.isArray(request)
  ) {
    request = { ...request, data: payloadSummary(e.hiddenData) };
  }
  const base: AgentEventInput = {
    rpc: e.requestName,
    request,
    decision: e.decision,
    policyDigest: e.policyDigest,
  };
  const content: { [k: string]: JsonValue } = { ...agentEventContent(base), method: e.method };
  if (e.error !== undefined) content['error'] = e.error;
  if (e.rawPayload !== undefined) content['payload'] = payloadSummary(e.rawPayload);
  if (e.ops !== undefined) content['ops'] = toMeasurable(e.ops);
  return content;
}

// The policy text itself is recorded by digest: the log is for replay, and the policy event
// that follows an accepted SetPolicy names the same digest.
function redactPolicyText(request: JsonValue): JsonValue {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return request;
  const policy = (request as { readonly [k: string]: JsonValue })['policy'];
  if (typeof policy !== 'string') return request;
  return { ...request, policy: payloadSummary(Buffer.from(policy, 'utf8')) };
}

/**
 * The policy input as a JSON value the log can canonicalize. 64-bit integers arrive exact as
 * bigint; RFC 8785 numbers are IEEE doubles, so values beyond 2^53 are recorded as decimal
 * strings rather than rounded (docs/AGENT-PROXY.md). Arrays and objects without a bigint or a
 * non-finite number below them are returned as they are, not copied: the proxy measures every
 * request, and most members are strings.
 */
export function toMeasurable(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'bigint':
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(v)
        : v.toString();
    case 'object': {
      if (Array.isArray(v)) {
        let copy: JsonValue[] | undefined;
        for (let i = 0; i < v.length; i++) {
          const x: unknown = v[i];
          const m = toMeasurable(x);
          if (copy === undefined && m !== x) copy = v.slice(0, i) as JsonValue[];
          if (copy !== undefined) copy.push(m);
        }
        return copy ?? (v as JsonValue[]);
      }
      const obj = v as Record<string, unknown>;
      let copy: { [k: string]: JsonValue } | undefined;
      for (const k in obj) {
        if (!Object.hasOwn(obj, k)) continue;
        const x = obj[k];
        const m = toMeasurable(x);
        if (copy === undefined && m !== x) {
          copy = {};
          for (const before in obj) {
            if (before === k) break;
            if (Object.hasOwn(obj, before)) copy[before] = obj[before] as JsonValue;
          }
        }
        if (copy !== undefined) copy[k] = m;
      }
      return copy ?? (obj as { [k: string]: JsonValue });
    }
    default:
      throw new TypeError(`cannot measure a ${typeof v}`);
  }
}
