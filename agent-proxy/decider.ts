/** A policy's answer to one request. */
export interface Verdict {
  readonly allowed: boolean;
  /** What the policy printed while deciding. */
  readonly prints: readonly string[];
  /** For denials: the message the runtime gets (`<Request> is blocked by policy: …`). */
  readonly message: string;
  /** Set when the policy could not decide (undefined result, bad shape, patch failure). */
  readonly error?: Error;
}

/**
 * What the proxy needs from a policy engine: synchronous, stateful decisions in call order.
 * Implementations never throw for a request; failures come back as denials with `error`.
 */
export interface PolicyDecider {
  /** `sha256:<hex>` of the active policy text. */
  readonly digest: string;
  /** Decides `data.agent_policy.<requestName>` with the policy-input JSON text. */
  decide(requestName: string, inputJson: string): Verdict;
  /** SetPolicyRequest: decided by the current policy; when allowed the new policy replaces it. */
  setPolicy(inputJson: string, policyText: string): Verdict;
}
