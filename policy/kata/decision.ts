import { Engine, type EngineOptions } from '../engine.js';
import { PolicyError } from '../lang/errors.js';
import { ObjectV, parseJson, type Value } from '../value/index.js';
import { applyJsonPatch } from './patch.js';

/** The package the kata-agent queries. */
export const KATA_PACKAGE = 'agent_policy';
/** The rule that, when true, makes the agent allow requests the policy denies or leaves undefined. */
export const ALLOW_FAILURES_RULE = 'AllowRequestsFailingPolicy';
/** The request that replaces the policy. */
export const SET_POLICY_REQUEST = 'SetPolicyRequest';

/** The outcome of one request, as the kata-agent would decide it. */
export interface KataDecision {
  readonly request: string;
  readonly allowed: boolean;
  /** The JSON patch the policy returned (applied to `data.pstate` when allowed). */
  readonly ops: Value | null;
  /**
   * The patch this decision applied to the state, null when it applied none (a denial, a request
   * allowed only by AllowRequestsFailingPolicy, SetPolicy). Replaying these in order with
   * {@link KataPolicy.applyOps} rebuilds the state (what a restarted proxy does from its log).
   */
  readonly applied: Value | null;
  /** `print` output of this evaluation, in regorus' `file:line: message` form. */
  readonly prints: readonly string[];
  /** For denials: the message the agent returns (`<Request> is blocked by policy: ...`). */
  readonly message: string;
  /** The state after the decision. */
  readonly state: Value;
  /** Set when the denial came from an error (undefined result, bad result shape, patch failure). */
  readonly error?: PolicyError;
}

/** What one evaluation concluded, before it becomes a {@link KataDecision}. */
interface Outcome {
  readonly allowed: boolean;
  readonly ops: Value | null;
  readonly applied: Value | null;
  readonly prints: () => readonly string[];
  readonly error?: PolicyError;
}

/** Options of a {@link KataPolicy}. */
export interface KataPolicyOptions extends EngineOptions {
  /** The file name prints and errors show for the policy. */
  readonly file?: string;
  /**
   * Gather `print` output only for denials, which quote it: requests are evaluated without
   * prints, and a denied one a second time with them (same input, state and clock). An allowed
   * decision's `prints` is then empty. For the proxy's hot path; the CLI and tests keep every print.
   */
  readonly printsOnDenial?: boolean;
}

// A class rather than an object literal with getters: V8 builds literals with accessors slowly,
// and the proxy makes one decision per request.
class Decision implements KataDecision {
  // Declared only: an absent error is no own property, as before.
  declare readonly error?: PolicyError;

  constructor(
    readonly request: string,
    readonly allowed: boolean,
    readonly ops: Value | null,
    readonly applied: Value | null,
    readonly state: Value,
    private readonly lines: () => readonly string[],
    error: PolicyError | undefined,
  ) {
    if (error !== undefined) (this as { error?: PolicyError }).error = error;
  }

  get prints(): readonly string[] {
    return this.lines();
  }

  get message(): string {
    if (this.allowed) return '';
    return this.error === undefined
      ? `${this.request} is blocked by policy: ${this.lines().join(' ')}`
      : `${this.request}: ${this.error.message}`;
  }
}

/**
 * Kata's stateful policy semantics around one {@link Engine}: query
 * `data.agent_policy.<Request>` with the request as input, accept a bool or `{allowed, ops}`,
 * apply `ops` atomically to `data.pstate`. Decisions are synchronous, hence one at a time.
 */
export class KataPolicy {
  private engine!: Engine;
  /** The engine's whole data document: `{"pstate": …}` plus anything a patch added. */
  private dataDoc: ObjectV = ObjectV.from([['pstate', new ObjectV()]]);
  private allowFailures = false;
  private source = '';

  constructor(
    source: string,
    private readonly opts: KataPolicyOptions = {},
  ) {
    this.load(source);
  }

  /** The current policy text. */
  get policy(): string {
    return this.source;
  }

  /** The current `data.pstate` (null if a patch removed it). */
  get state(): Value {
    return this.dataDoc.getStr('pstate') ?? null;
  }

  /** True when the policy sets AllowRequestsFailingPolicy. */
  get allowsFailures(): boolean {
    return this.allowFailures;
  }

  /** Replaces the state (for a CLI that persists it between runs). */
  setState(state: Value): void {
    this.dataDoc = ObjectV.from([['pstate', state]]);
    this.engine.setData(this.dataDoc);
  }

  /** Installs a policy (null: none, every request then fails) with a fresh state. */
  private load(source: string | null): void {
    const engine = new Engine({ v0Compatible: true, ...this.opts });
    if (source !== null) {
      engine.addPolicy(this.opts.file ?? 'policy.rego', source);
      engine.compile();
    }
    this.engine = engine;
    this.source = source ?? '';
    this.setState(new ObjectV());
    this.allowFailures = false;
    let allow = false;
    try {
      allow = engine.evalRule(`data.${KATA_PACKAGE}.${ALLOW_FAILURES_RULE}`).value === true;
    } catch {
      allow = false;
    }
    this.allowFailures = allow;
  }

  /** Decides one request given as JSON text (the kata-agent's serde JSON of the request). */
  decideJson(request: string, json: string): KataDecision {
    let input: Value;
    try {
      input = parseJson(json);
    } catch (err) {
      const e = new PolicyError('kata_policy_error', `invalid request JSON: ${(err as Error).message}`);
      return this.decide(request, null, e);
    }
    return this.decide(request, input);
  }

  /** Decides one request; errors deny (unless failures are allowed), never throw. */
  decide(request: string, input: Value, inputError?: PolicyError): KataDecision {
    if (this.opts.printsOnDenial !== true) {
      const o = this.evaluate(request, input, inputError, { prints: true, apply: true });
      return this.result(request, o.allowed, o.ops, o.applied, o.prints, o.error);
    }
    const nowNs = this.engine.now();
    const o = this.evaluate(request, input, inputError, { prints: false, apply: true, nowNs });
    if (o.allowed) return this.result(request, true, o.ops, o.applied, o.prints, o.error);
    // A denial quotes the policy's prints: evaluate again, gathering them, with the same input,
    // state and clock; the first evaluation's outcome stands and nothing is applied twice.
    const again = this.evaluate(request, input, inputError, { prints: true, apply: false, nowNs });
    return this.result(request, false, o.ops, o.applied, again.prints, o.error);
  }

  /** A decision whose prints and message are formatted on first read (allowed requests rarely need them). */
  private result(
    request: string,
    allowed: boolean,
    ops: Value | null,
    applied: Value | null,
    lines: () => readonly string[],
    error: PolicyError | undefined,
  ): KataDecision {
    return new Decision(request, allowed, ops, applied, this.state, lines, error);
  }

  private evaluate(
    request: string,
    input: Value,
    inputError: PolicyError | undefined,
    how: { readonly prints: boolean; readonly apply: boolean; readonly nowNs?: bigint },
  ): Outcome {
    let prints: () => readonly string[] = () => [];
    const out = (
      allowed: boolean,
      ops: Value | null,
      error?: PolicyError,
      applied: Value | null = null,
    ): Outcome =>
      error === undefined ? { allowed, ops, applied, prints } : { allowed, ops, applied, prints, error };
    const deny = (error: PolicyError | undefined, ops: Value | null): Outcome =>
      out(this.allowFailures, ops, error);
    if (inputError !== undefined) return deny(inputError, null);
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(request)) {
      return deny(
        new PolicyError('kata_policy_error', `invalid request name ${JSON.stringify(request)}`),
        null,
      );
    }
    // As the kata-agent: an undefined result or `false` is forgiven by AllowRequestsFailingPolicy;
    // an evaluation error, a malformed result or a failing patch is not.
    const fail = (msg: string): Outcome => out(false, null, new PolicyError('kata_policy_error', msg));
    try {
      this.engine.setInput(input);
      // What the agent's query `data.agent_policy.<Request>` yields, without a query: a path has
      // one value or none (none is the agent's "result len 0").
      const r = this.engine.evalDataPath(
        [KATA_PACKAGE, request],
        how.nowNs === undefined ? { prints: how.prints } : { prints: how.prints, nowNs: how.nowNs },
      );
      prints = () => r.prints;
      const value = r.value;
      if (value === undefined) {
        if (this.allowFailures) return out(true, null);
        return fail('policy check: unexpected eval_query result len 0');
      }
      if (typeof value === 'boolean') return value ? out(true, null) : deny(undefined, null);
      if (!(value instanceof ObjectV)) return fail('policy check: unexpected eval_query result type');
      // The agent reads {allowed, ops?} (other keys are ignored); allowed must be a boolean.
      const allowed = value.getStr('allowed');
      if (typeof allowed !== 'boolean') return fail('policy check: result has no boolean "allowed"');
      const rawOps = value.getStr('ops');
      const ops = rawOps === undefined || rawOps === null ? null : rawOps;
      if (!allowed) return deny(undefined, ops);
      if (ops !== null && how.apply) {
        this.applyOps(ops);
        return out(true, ops, undefined, ops);
      }
      return out(true, ops);
    } catch (err) {
      const e =
        err instanceof PolicyError
          ? err
          : new PolicyError('kata_policy_error', (err as Error).message ?? String(err), undefined, {
              cause: err,
            });
      return out(false, null, e);
    }
  }

  /**
   * Applies a patch to `data.pstate` as an allowed decision does: how a restarted proxy replays
   * the `applied` patches its log recorded. Throws a PolicyError when the patch does not apply.
   */
  applyOps(ops: Value): void {
    const next = applyJsonPatch(this.dataDoc, ops);
    if (!(next instanceof ObjectV))
      throw new PolicyError('kata_policy_error', 'json patch: data must stay an object');
    this.engine.setData(next);
    this.dataDoc = next;
  }

  /**
   * SetPolicyRequest: decided by the current policy; when allowed, the new policy replaces it and
   * the state is reset. A new policy that fails to compile leaves no policy (everything denied).
   */
  setPolicy(input: Value, newPolicy: string): KataDecision {
    const d = this.decide(SET_POLICY_REQUEST, input);
    if (!d.allowed) return d;
    try {
      this.load(newPolicy);
    } catch (err) {
      // As the kata-agent, which builds the new engine before adding the policy: a policy that
      // does not compile leaves an empty engine, so every later request is denied.
      this.load(null);
      const e = err instanceof PolicyError ? err : new PolicyError('kata_policy_error', String(err));
      return new Decision(d.request, false, d.ops, null, this.state, () => d.prints, e);
    }
    // The state was reset with the policy: what the decision applied no longer matters.
    return new Decision(d.request, true, d.ops, null, this.state, () => d.prints, d.error);
  }
}
