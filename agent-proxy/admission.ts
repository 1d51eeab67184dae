import {
  AGENT_SERVICE,
  decode,
  findMethod,
  type KataPolicyProfile,
  type MessageName,
  type MethodSpec,
  messageType,
  policyEndpoint,
  policyInputFromWire,
  policyInputValue,
} from '../proto/index.js';
import type { PolicyDecider, Verdict } from './decider.js';
import { ProxyError } from './errors.js';
import type { RequestEventInput } from './event.js';
import { findUnknownField } from './wire-scan.js';

/** What the policy step concluded about one request, before anything is logged. */
export type Admission =
  | { readonly kind: 'allow'; readonly event: RequestEventInput; readonly decoded: unknown }
  | { readonly kind: 'set-policy'; readonly event: RequestEventInput; readonly installed: InstalledPolicy }
  | {
      readonly kind: 'deny';
      readonly event: RequestEventInput;
      readonly error: ProxyError;
      /**
       * A SetPolicy the policy allowed whose text does not compile: it is in force all the same
       * (nothing is allowed under it), so it is logged and kept like an accepted one.
       */
      readonly installed?: InstalledPolicy;
    };

/** A policy a SetPolicy put in force: the proxy keeps its text and logs its digest. */
export interface InstalledPolicy {
  readonly digest: string;
  readonly text: string;
}

const SET_POLICY = 'SetPolicyRequest';
const COPY_FILE = 'CopyFileRequest';
/**
 * Requests whose decoded message the proxy reads besides the policy input (identity, CopyFile's
 * data, SetPolicy's text): they are always fully decoded. The others take the one-pass reader.
 */
const NEEDS_DECODED = new Set(['CreateContainerRequest', 'RemoveContainerRequest', COPY_FILE, SET_POLICY]);

/**
 * Decodes one agent request, builds the kata-agent's policy input and decides on it, all
 * synchronously so that arrival order is decision order. Never throws: every failure becomes a
 * denial carrying the error the caller answers with (fail closed).
 */
export function admit(
  decider: PolicyDecider,
  profile: KataPolicyProfile,
  method: string,
  payload: Uint8Array,
): Admission {
  const spec: MethodSpec | undefined = findMethod(AGENT_SERVICE, method);
  if (spec === undefined) {
    const error = new ProxyError('ERR_PROXY_UNKNOWN_METHOD', `unknown method ${AGENT_SERVICE}/${method}`);
    return refuse(decider, method, `${method}Request`, error, payload);
  }
  const typeName = spec.requestType as MessageName;
  const requestName = policyEndpoint(typeName);
  let decoded: unknown;
  let input: unknown;
  try {
    ({ input, decoded } = readRequest(typeName, requestName, payload, profile));
  } catch (err) {
    const error = new ProxyError(
      'ERR_PROXY_DECODE',
      `${requestName}: cannot decode request: ${message(err)}`,
      {
        cause: err,
      },
    );
    return refuse(decider, method, requestName, error, payload);
  }
  const digest = decider.digest;
  const newPolicy = requestName === SET_POLICY ? (decoded as { policy: string }).policy : undefined;
  const verdict: Verdict =
    newPolicy !== undefined ? decider.setPolicy(input, newPolicy) : decider.decide(requestName, input);
  // Allowed or not, a SetPolicy whose policy the decider now names is in force (see Admission).
  const installed =
    newPolicy !== undefined && decider.digest !== digest
      ? { digest: decider.digest, text: newPolicy }
      : undefined;
  if (verdict.error !== undefined && !verdict.allowed) {
    const error = new ProxyError('ERR_PROXY_POLICY', verdict.message || `${requestName}: policy failed`, {
      cause: verdict.error,
    });
    const event = eventOf(method, requestName, input, 'deny', digest, decoded, error);
    return installed === undefined
      ? { kind: 'deny', error, event }
      : { kind: 'deny', error, event, installed };
  }
  if (!verdict.allowed) {
    const error = new ProxyError('ERR_PROXY_DENIED', verdict.message);
    return { kind: 'deny', error, event: eventOf(method, requestName, input, 'deny', digest, decoded) };
  }
  const event = eventOf(method, requestName, input, 'allow', digest, decoded, undefined, verdict.ops);
  if (newPolicy !== undefined)
    return { kind: 'set-policy', event, installed: { digest: decider.digest, text: newPolicy } };
  return { kind: 'allow', event, decoded };
}

/**
 * The policy input, and the decoded message when the proxy needs it (null otherwise). Throws on
 * a request that does not decode, that has a field Ward's schema lacks, or that the profile's
 * agent could not show its policy.
 */
function readRequest(
  typeName: MessageName,
  requestName: string,
  payload: Uint8Array,
  profile: KataPolicyProfile,
): { input: unknown; decoded: unknown } {
  if (!NEEDS_DECODED.has(requestName)) {
    try {
      return { input: policyInputFromWire(typeName, payload, profile), decoded: null };
    } catch {
      // NOT_FAST: the full path decides, with its own error if the request is bad.
    }
  }
  const unknownField = findUnknownField(messageType(typeName), payload);
  if (unknownField !== undefined) {
    throw new Error(`field ${unknownField} is not in Ward's schema; refusing what the policy cannot see`);
  }
  const decoded = decode(typeName, payload);
  return { input: policyInputValue(typeName, decoded as never, profile), decoded };
}

function refuse(
  decider: PolicyDecider,
  method: string,
  requestName: string,
  error: ProxyError,
  payload: Uint8Array,
): Admission {
  const event: RequestEventInput = {
    method,
    requestName,
    input: null,
    decision: 'deny',
    policyDigest: decider.digest,
    error: error.message,
    rawPayload: payload,
  };
  return { kind: 'deny', error, event };
}

function eventOf(
  method: string,
  requestName: string,
  input: unknown,
  decision: 'allow' | 'deny',
  policyDigest: string,
  decoded: unknown,
  error?: ProxyError,
  ops?: unknown,
): RequestEventInput {
  const e: { -readonly [K in keyof RequestEventInput]: RequestEventInput[K] } = {
    method,
    requestName,
    input,
    decision,
    policyDigest,
  };
  if (requestName === COPY_FILE) {
    const data = (decoded as { data?: Uint8Array }).data;
    e.hiddenData = data ?? new Uint8Array(0);
  }
  if (error !== undefined) e.error = error.message;
  if (ops !== undefined) e.ops = ops;
  return e;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
