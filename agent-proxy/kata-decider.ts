import { createHash } from 'node:crypto';
import { fromJs, KataPolicy, toJs, type Value } from '../policy/index.js';
import { KATA_POLICY_PROFILES } from '../proto/index.js';
import type { PolicyDecider, Verdict } from './decider.js';
import { ProxyError } from './errors.js';

/** `sha256:<hex>` of a policy text: how the log and identities name a policy. */
export function policyDigest(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** The kata-agent's decision semantics from policy/, behind the proxy's decider interface. */
class KataDecider implements PolicyDecider {
  private readonly policy: KataPolicy;
  private currentDigest: string;

  constructor(text: string) {
    // Only a denial's message quotes the policy's prints (verdict below drops them otherwise).
    this.policy = new KataPolicy(text, { printsOnDenial: true });
    this.currentDigest = policyDigest(text);
  }

  get digest(): string {
    return this.currentDigest;
  }

  decide(requestName: string, input: unknown): Verdict {
    // The value goes in as is: serializing to JSON text and parsing it back gives the same
    // Rego value (bigints stay exact) at several times the cost.
    let value: ReturnType<typeof fromJs>;
    try {
      value = fromJs(input);
    } catch (err) {
      return {
        allowed: false,
        prints: [],
        message: `${requestName}: ${(err as Error).message}`,
        error: err as Error,
      };
    }
    return verdict(this.policy.decide(requestName, value));
  }

  setPolicy(inputValue: unknown, policyText: string): Verdict {
    let input: ReturnType<typeof fromJs>;
    try {
      input = fromJs(inputValue);
    } catch (err) {
      return {
        allowed: false,
        prints: [],
        message: `SetPolicyRequest: ${(err as Error).message}`,
        error: err as Error,
      };
    }
    const before = this.policy.policy;
    const d = this.policy.setPolicy(input, policyText);
    // Allowed, the text replaces the policy even when it does not compile: the kata-agent is then
    // left with an empty engine that denies everything, and the digest must name what is in force.
    if (d.allowed || this.policy.policy !== before) this.currentDigest = policyDigest(policyText);
    return verdict(d);
  }

  restore(ops: readonly unknown[]): void {
    for (const [i, patch] of ops.entries()) {
      try {
        this.policy.applyOps(fromJs(patch));
      } catch (err) {
        throw new ProxyError(
          'ERR_PROXY_STATE',
          `policy state cannot be rebuilt from the log: patch ${i + 1} of ${ops.length} does not apply: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
  }
}

function verdict(d: {
  allowed: boolean;
  prints: readonly string[];
  message: string;
  error?: Error;
  applied: Value | null;
}): Verdict {
  // Prints are formatted lazily by the engine and only a denial's message needs them: an
  // allowed request must not pay for formatting every print line the rules produced.
  if (d.allowed)
    return d.applied === null
      ? { allowed: true, prints: [], message: '' }
      : { allowed: true, prints: [], message: '', ops: toJs(d.applied) };
  return d.error === undefined
    ? { allowed: false, prints: d.prints, message: d.message }
    : { allowed: false, prints: d.prints, message: d.message, error: d.error };
}

/**
 * Loads a policy for the proxy; a policy that does not parse or compile throws. `profile` names
 * the kata-agent generation whose policy-input shape requests are shown in.
 */
export function createDecider(text: string, profile: string): PolicyDecider {
  if (!Object.hasOwn(KATA_POLICY_PROFILES, profile)) {
    throw new ProxyError(
      'ERR_PROXY_CONFIG',
      `unknown policy-input profile '${profile}' (known: ${Object.keys(KATA_POLICY_PROFILES).join(', ')})`,
    );
  }
  return new KataDecider(text);
}
