/** A policy's answer to one request. */
export interface Verdict {
  readonly allowed: boolean;
  /** What the policy printed while deciding. */
  readonly prints: readonly string[];
  /** For denials: the message the runtime gets (`<Request> is blocked by policy: …`). */
  readonly message: string;
  /** Set when the policy could not decide (undefined result, bad shape, patch failure). */
  readonly error?: Error;
  /**
   * The patch the decision applied to the policy state, as plain JSON (64-bit integers as
   * bigint when beyond 2^53): the log records it so that a restarted proxy can rebuild the state.
   */
  readonly ops?: unknown;
}

/**
 * What the proxy needs from a policy engine: synchronous, stateful decisions in call order.
 * Implementations never throw for a request; failures come back as denials with `error`.
 */
export interface PolicyDecider {
  /** `sha256:<hex>` of the active policy text. */
  readonly digest: string;
  /**
   * Decides `data.agent_policy.<requestName>` with the policy input: the JSON value the
   * kata-agent would serialize (64-bit integers as bigint, exact).
   */
  decide(requestName: string, input: unknown): Verdict;
  /**
   * SetPolicyRequest: decided by the current policy; when allowed the new policy replaces it and
   * {@link digest} names it, even when it does not compile (then, as in the kata-agent, nothing
   * is in force and every later request is denied; the verdict is a denial with the error).
   */
  setPolicy(input: unknown, policyText: string): Verdict;
  /**
   * Rebuilds the policy state after a restart: applies, in order, the patches earlier decisions
   * under this same policy applied (their `ops`, read back from the log). Throws when one does
   * not apply.
   */
  restore(ops: readonly unknown[]): void;
}
