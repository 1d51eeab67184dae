import type { BuiltinContext, BuiltinRegistry } from '../builtins/index.js';
import type { Body, Expr, Term, With } from '../lang/ast.js';
import { DATA_SLOT, INPUT_SLOT } from '../lang/ast.js';
import { objectPairs } from '../lang/compile-order.js';
import { type Loc, PolicyError } from '../lang/errors.js';
import type { RuleNode, RuleTree } from '../lang/rule-tree.js';
import { equal, ObjectV, SetV, type Value } from '../value/index.js';
import type { CallMemo } from './call-memo.js';
import { callInfo, evalCall } from './calls.js';
import { eachMember, evalBuilt, evalEvery, evalSomeIn } from './compound.js';
import { bodyPlans, DIRECT_FAIL, NOT_DIRECT, runPlan } from './direct.js';
import { evalDataRef, nodeValue } from './docs.js';
import type { Cont, Frame, PENDING, UNDEF, VCont } from './frame.js';
import { CLOCK_CHECK_INTERVAL, type EvalLimits } from './limits.js';
import { constantOf, lookup } from './literals.js';
import { PrintLog } from './prints.js';
import { eachSolution, runSolutions } from './runs.js';
import { simpleValueOf } from './simple.js';
import { applyWith, type Mock, type WithState } from './with.js';

/** `not e` evaluates e without its negation and modifiers: that expression, built once per e. */
const positives = new WeakMap<Expr, Expr>();

/** Bodies without their print statements, each built once (see Evaluator.evalBody). */
const quietBodies = new WeakMap<Body, Body>();

function isPrint(e: Expr): boolean {
  if (e.k !== 'term' || e.neg || e.with.length > 0) return false;
  const t = e.term;
  return t.t === 'call' && t.target?.kind === 'builtin' && t.target.name === 'print';
}

function quiet(body: Body): Body {
  let q = quietBodies.get(body);
  if (q === undefined) {
    const kept = body.filter((e) => !isPrint(e));
    q = kept.length === body.length ? body : kept;
    quietBodies.set(body, q);
  }
  return q;
}

/** Options of one evaluation. */
export interface EvalOptions {
  readonly input: Value | undefined;
  readonly strictBuiltinErrors: boolean;
  readonly limits: EvalLimits;
  readonly nowNs: bigint;
  /** See {@link Evaluator.fastFunctions}. */
  readonly fastFunctions?: boolean;
  /** See {@link Evaluator.gatherPrints}; on unless false. */
  readonly prints?: boolean;
  /** Results of memoisable calls kept across evaluations (see {@link CallMemo}); none when null. */
  readonly callMemo?: CallMemo | null;
}

/** Evaluates bodies against one compiled policy, data and input: one instance per evaluation. */
export class Evaluator implements WithState {
  input: Value | undefined;
  /** Memoised rule-node values: per evaluation, reset under `with`. */
  memo = new Map<RuleNode, Value | typeof UNDEF | typeof PENDING>();
  /** Memoised function results per node, keyed by the canonical argument list. */
  fnMemo = new Map<RuleNode, Map<string, Value | typeof UNDEF>>();
  /** Functions being evaluated (recursion guard). */
  active = new Set<RuleNode>();
  /** `with data.x as v` overrides, keyed by the path joined with NUL; null when none. */
  dataOverrides: Map<string, Value> | null = null;
  /** `with f as g` replacements, keyed by builtin name or `data.` function path. */
  mocks: Map<string, Mock> | null = null;
  readonly prints = new PrintLog();
  /**
   * Memoise function results per evaluation and stop a constant-valued function at its first
   * solution. Off by default: regorus (the kata-agent's engine) re-evaluates every call and
   * enumerates every solution of a function (rules stop at their first), and Kata policies'
   * prints depend on it.
   */
  readonly fastFunctions: boolean;
  /**
   * Record `print` calls. When off, a print succeeds without evaluating its operands (as OPA
   * does with print statements disabled): nothing reads them, and they never change a result.
   */
  readonly gatherPrints: boolean;
  /**
   * Where calls of memoisable functions (RuleNode.callKey) find and leave their results across
   * evaluations; null when the engine keeps none.
   */
  readonly callMemo: CallMemo | null;
  steps = 0;
  depth = 0;
  /** The step count at which the clock is next read (a multiple of CLOCK_CHECK_INTERVAL). */
  private nextClock = CLOCK_CHECK_INTERVAL;
  /** The step count at which {@link tick} next checks the budget. */
  private nextCheck = 0;
  /** Slots bound by direct expressions of the bodies being evaluated (see evalBody). */
  private readonly boundSlots: number[] = [];
  private readonly deadline: number;
  readonly ctx: BuiltinContext;

  constructor(
    readonly tree: RuleTree,
    readonly data: Value,
    readonly registry: BuiltinRegistry,
    readonly opts: EvalOptions,
  ) {
    this.input = opts.input;
    this.fastFunctions = opts.fastFunctions === true;
    this.gatherPrints = opts.prints !== false;
    this.callMemo = opts.callMemo ?? null;
    this.deadline = Date.now() + opts.limits.maxMillis;
    const cache = new Map<string, unknown>();
    this.ctx = {
      nowNs: opts.nowNs,
      strict: opts.strictBuiltinErrors,
      print: (line) => this.prints.pushLine(line),
      tick: (n) => this.tick(n),
      cache,
    };
  }

  /**
   * The memo of results kept across evaluations, when this point of the evaluation may use it:
   * prints are not being gathered (a remembered result prints nothing) and no `with` replaces
   * data or functions (the results were computed without them). Null otherwise.
   */
  sharedMemo(): CallMemo | null {
    return this.gatherPrints || this.mocks !== null || this.dataOverrides !== null ? null : this.callMemo;
  }

  /** Charges work to the budget; throws when steps or time run out. */
  tick(n = 1): void {
    this.steps += n;
    if (this.steps >= this.nextCheck) this.checkBudget();
  }

  // Runs when the step count reaches the step limit or the next multiple of the clock interval:
  // one comparison per step on the hot path instead of two divisions.
  private checkBudget(): void {
    const max = this.opts.limits.maxSteps;
    if (this.steps > max) {
      throw new PolicyError('eval_limit_error', `evaluation exceeded ${max} steps`);
    }
    if (this.steps >= this.nextClock) {
      if (Date.now() > this.deadline) {
        throw new PolicyError('eval_cancel_error', `evaluation exceeded ${this.opts.limits.maxMillis} ms`);
      }
      this.nextClock = (Math.floor(this.steps / CLOCK_CHECK_INTERVAL) + 1) * CLOCK_CHECK_INTERVAL;
    }
    this.nextCheck = Math.min(max + 1, this.nextClock);
  }

  /** Enters a nested rule/function evaluation, enforcing the depth bound. */
  enter(loc: Loc | undefined): void {
    if (++this.depth > this.opts.limits.maxDepth) {
      throw new PolicyError(
        'eval_limit_error',
        `evaluation nested deeper than ${this.opts.limits.maxDepth}`,
        loc,
      );
    }
  }

  /** Evaluates body[i..] and calls k for each solution. */
  evalBody(body: Body, i: number, f: Frame, k: Cont): boolean {
    // Without prints gathered a print statement is a no-op that always succeeds and binds
    // nothing: bodies are entered with them left out (the continuations keep that body).
    if (i === 0 && !this.gatherPrints && this.mocks === null) body = quiet(body);
    // Expressions with exactly one outcome (a builtin call on known operands, `x := <that>`,
    // print) run in a loop without continuations; the slots they bind are unbound on exit.
    // The slots are kept on one stack per evaluation rather than in an array per call.
    const stack = this.boundSlots;
    const base = stack.length;
    // `with f as g` mocks change what a call does: then every expression takes the general path.
    const plans = this.mocks === null ? bodyPlans(this, body) : null;
    try {
      for (; plans !== null && i < body.length; i++) {
        let p = plans[i];
        if (p === null || p === undefined) break;
        if (p.k === 'run') {
          const sols = runSolutions(this, p.run, body, i, f);
          if (sols === undefined) {
            p = p.fallback;
            if (p === null) break;
          } else if (sols.length === 1) {
            const slots = p.run.slots;
            const sol = sols[0]!;
            for (let j = 0; j < slots.length; j++) {
              f[slots[j]!] = sol[j]!;
              stack.push(slots[j]!);
            }
            i = p.run.end - 1;
            continue;
          } else return eachSolution(this, p.run.slots, sols, body, p.run.end, f, k);
        }
        if (p.k === 'somein') {
          const c = p.coll(this, f);
          // A collection that needs evaluation work is the general path's business, and so is a
          // slot already bound (`some` declares a fresh variable, so only as a safety net).
          if (c === undefined || f[p.slot] !== undefined) break;
          this.tick();
          return eachMember(this, c, p.slot, body, i + 1, f, k);
        }
        const r = runPlan(this, p, f);
        if (r === NOT_DIRECT) break;
        if (r === DIRECT_FAIL) return false;
        if (r >= 0) stack.push(r);
      }
      if (i === body.length) return k();
      return this.evalGeneral(body, i, f, k);
    } finally {
      while (stack.length > base) f[stack.pop()!] = undefined;
    }
  }

  // The general path's continuation lives here, not in evalBody: a function that creates a
  // closure over its parameters gets a context object on every call, whichever path it takes,
  // and evalBody mostly returns through its plans. (The same split recurs below.)
  private evalGeneral(body: Body, at: number, f: Frame, k: Cont): boolean {
    return this.evalExpr(body[at]!, f, () => this.evalBody(body, at + 1, f, k));
  }

  /** Evaluates one expression (with its `with` modifiers and negation). */
  evalExpr(e: Expr, f: Frame, k: Cont): boolean {
    this.tick();
    if (e.k !== 'some' && e.with.length > 0) return this.evalWith(e, e.with, f, k);
    return this.evalPlain(e, f, k);
  }

  private evalWith(e: Expr, ws: readonly With[], f: Frame, k: Cont): boolean {
    return this.withModifiers(ws, f, (k2) => this.evalPlain(e, f, k2), k);
  }

  /** Runs `run` under `with` modifiers; its continuation runs outside them. */
  withModifiers(ws: readonly With[], f: Frame, run: (k: Cont) => boolean, k: Cont): boolean {
    const values: Value[] = [];
    for (const w of ws) {
      let v: Value | undefined;
      if (w.fn !== undefined) v = null;
      else {
        this.evalTerm(w.value, f, (x) => {
          v = x;
          return true;
        });
      }
      if (v === undefined) return false;
      values.push(v ?? null);
    }
    return applyWith(this, ws, values, run, k);
  }

  /** Evaluates an expression ignoring its `with` modifiers. */
  evalPlain(e: Expr, f: Frame, k: Cont): boolean {
    if ((e.k === 'term' || e.k === 'unify' || e.k === 'every') && e.neg) {
      let inner = positives.get(e);
      if (inner === undefined) positives.set(e, (inner = { ...e, neg: false, with: [] } as Expr));
      if (this.evalPlain(inner, f, () => true)) return false;
      return k();
    }
    switch (e.k) {
      case 'term':
        return this.evalTermExpr(e.term, f, k);
      case 'unify':
        return this.unifyTT(e.a, e.b, f, k);
      case 'somein':
        return evalSomeIn(this, e, f, k);
      case 'every':
        return evalEvery(this, e, f, k);
      default:
        return k();
    }
  }

  private evalTermExpr(t: Term, f: Frame, k: Cont): boolean {
    if (t.t === 'call' && t.target !== undefined) {
      const arity = this.arityOf(t);
      if (arity >= 0 && t.args.length === arity + 1) {
        const out = t.args[arity]!;
        return evalCall(this, t, t.args.slice(0, arity), f, (v) => this.unify(out, v, f, k));
      }
    }
    return this.evalTerm(t, f, (v) => (v === false ? false : k()));
  }

  /** Declared arity of a resolved call's target (-1 when variadic/unknown). */
  arityOf(t: Extract<Term, { t: 'call' }>): number {
    return callInfo(this, t).arity;
  }

  /** Calls k(key, value) for each member of a collection; stops when k returns true. */
  members(c: Value, k: (key: Value, val: Value) => boolean): boolean {
    if (Array.isArray(c)) {
      for (let i = 0; i < c.length; i++) if (k(index(i), c[i]!)) return true;
    } else if (c instanceof ObjectV) {
      for (const [key, val] of c.entries()) if (k(key, val)) return true;
    } else if (c instanceof SetV) {
      for (const v of c.values()) if (k(v, v)) return true;
    }
    return false;
  }

  /** Binds an unbound slot for the duration of k. */
  bind(f: Frame, slot: number, v: Value, k: Cont): boolean {
    f[slot] = v;
    try {
      return k();
    } finally {
      f[slot] = undefined;
    }
  }

  /** Unifies a pattern term with a value. */
  unify(t: Term, v: Value, f: Frame, k: Cont): boolean {
    switch (t.t) {
      case 'var': {
        if (t.slot < 0) return this.unifyEvaluated(t, v, f, k);
        const cur = f[t.slot];
        if (cur !== undefined) return equal(cur, v) ? k() : false;
        return this.bind(f, t.slot, v, k);
      }
      case 'val':
        return equal(t.v, v) ? k() : false;
      case 'arr':
        if (!Array.isArray(v) || v.length !== t.items.length) return false;
        return this.unifyItems(t.items, v, 0, f, k);
      case 'obj': {
        if (!(v instanceof ObjectV) || v.size !== t.items.length) return false;
        return this.unifyObj(t.items, v, 0, f, k);
      }
      default:
        return this.unifyEvaluated(t, v, f, k);
    }
  }

  private unifyEvaluated(t: Term, v: Value, f: Frame, k: Cont): boolean {
    return this.evalTerm(t, f, (x) => (equal(x, v) ? k() : false));
  }

  private unifyItems(items: readonly Term[], vs: readonly Value[], i: number, f: Frame, k: Cont): boolean {
    if (i === items.length) return k();
    return this.unify(items[i]!, vs[i]!, f, () => this.unifyItems(items, vs, i + 1, f, k));
  }

  private unifyObj(items: readonly [Term, Term][], o: ObjectV, i: number, f: Frame, k: Cont): boolean {
    if (i === items.length) return k();
    const [kt, vt] = items[i]!;
    return this.evalTerm(kt, f, (key) => {
      const x = o.get(key);
      return x === undefined ? false : this.unify(vt, x, f, () => this.unifyObj(items, o, i + 1, f, k));
    });
  }

  /** True when a term has an unbound variable in a pattern position. */
  hasUnbound(t: Term, f: Frame): boolean {
    switch (t.t) {
      case 'var':
        return t.slot >= 0 && f[t.slot] === undefined;
      case 'arr':
        return t.items.some((x) => this.hasUnbound(x, f));
      case 'obj':
        return t.items.some(([, x]) => this.hasUnbound(x, f));
      default:
        return false;
    }
  }

  /** Unifies two terms (`a = b`, `a := b`). */
  unifyTT(a: Term, b: Term, f: Frame, k: Cont): boolean {
    if (a.t === 'arr' && b.t === 'arr') {
      if (a.items.length !== b.items.length) return false;
      const step = (i: number): boolean =>
        i === a.items.length ? k() : this.unifyTT(a.items[i]!, b.items[i]!, f, () => step(i + 1));
      return step(0);
    }
    const pairs = objectPairs(a, b);
    if (pairs !== null) {
      const step = (i: number): boolean =>
        i === pairs.length ? k() : this.unifyTT(pairs[i]![0], pairs[i]![1], f, () => step(i + 1));
      return step(0);
    }
    if (this.hasUnbound(a, f)) return this.evalTerm(b, f, (v) => this.unify(a, v, f, k));
    return this.evalTerm(a, f, (v) => this.unify(b, v, f, k));
  }

  /** Evaluates a term, calling k for each of its values. */
  evalTerm(t: Term, f: Frame, k: VCont): boolean {
    switch (t.t) {
      case 'val':
        return k(t.v);
      case 'var': {
        if (t.slot === INPUT_SLOT) return this.input === undefined ? false : k(this.input);
        if (t.slot === DATA_SLOT) return evalDataRef(this, [], f, k);
        const v = f[t.slot];
        if (v === undefined) throw new PolicyError('rego_unsafe_var_error', `var ${t.name} is unsafe`, t.loc);
        return k(v);
      }
      case 'ref':
        return this.evalRef(t, f, k);
      case 'arr': {
        const c = constantOf(t);
        if (c !== undefined) return k(c);
        // Items with one value each are read without a continuation.
        const out: Value[] = new Array(t.items.length);
        const i = this.simpleValues(t.items, 0, out, f);
        if (i === t.items.length) return k(out);
        return this.evalItems(t.items, i, out, f, k);
      }
      case 'call':
        return evalCall(this, t, t.args, f, k);
      default:
        return evalBuilt(this, t, f, k);
    }
  }

  /** Evaluates terms left to right (each may have several values). */
  evalItems(items: readonly Term[], i: number, acc: Value[], f: Frame, k: (xs: Value[]) => boolean): boolean {
    // Single-valued items are taken in a loop, so long literals do not deepen the stack.
    const start = i;
    i = this.simpleValues(items, i, acc, f);
    // Callers pass a fresh array at 0: when every item was single-valued nothing else will write
    // to it, so it is handed over as is. Reached again on backtracking (start > 0), it is shared
    // with the other alternatives and k gets a copy.
    if (i === items.length) return k(start === 0 ? acc : acc.slice());
    return this.evalItemsFrom(items, i, acc, f, k);
  }

  // evalItems from the first item that needs evaluation work (see evalGeneral for the split).
  private evalItemsFrom(
    items: readonly Term[],
    at: number,
    acc: Value[],
    f: Frame,
    k: (xs: Value[]) => boolean,
  ): boolean {
    const first = items[at]!;
    if (first.t === 'var' && first.slot >= 0) {
      // An unbound variable operand (`x == input.xs[x]`): evaluate the others first, they bind it.
      const order: number[] = [];
      const later: number[] = [];
      for (let j = at; j < items.length; j++) {
        const t = items[j]!;
        (t.t === 'var' && t.slot >= 0 && f[t.slot] === undefined ? later : order).push(j);
      }
      return this.evalInOrder(items, [...order, ...later], 0, acc, f, k);
    }
    return this.evalTerm(first, f, (v) => {
      acc[at] = v;
      return this.evalItems(items, at + 1, acc, f, k);
    });
  }

  private evalInOrder(
    items: readonly Term[],
    order: readonly number[],
    n: number,
    acc: Value[],
    f: Frame,
    k: (xs: Value[]) => boolean,
  ): boolean {
    if (n === order.length) return k(acc.slice());
    const j = order[n]!;
    return this.evalTerm(items[j]!, f, (v) => {
      acc[j] = v;
      return this.evalInOrder(items, order, n + 1, acc, f, k);
    });
  }

  /**
   * Stores the values of items[i..] into out while each has exactly one value without evaluation
   * work; returns the index of the first that has not (items.length when all had).
   */
  simpleValues(items: readonly Term[], i: number, out: Value[], f: Frame): number {
    for (; i < items.length; i++) {
      const v = this.simpleValue(items[i]!, f);
      if (v === undefined) break;
      out[i] = v;
    }
    return i;
  }

  /** The value of a term that has exactly one value without evaluation work, else undefined. */
  simpleValue(t: Term, f: Frame): Value | undefined {
    return simpleValueOf(this, t, f);
  }

  private evalRef(t: Extract<Term, { t: 'ref' }>, f: Frame, k: VCont): boolean {
    const h = t.head;
    if (h.t === 'var') {
      if (h.slot === DATA_SLOT) return evalDataRef(this, t.path, f, k);
      if (h.slot === INPUT_SLOT)
        return this.input === undefined ? false : this.walk(this.input, t.path, 0, f, k);
    }
    return this.walkFrom(h, t.path, f, k);
  }

  private walkFrom(h: Term, path: readonly Term[], f: Frame, k: VCont): boolean {
    return this.evalTerm(h, f, (v) => this.walk(v, path, 0, f, k));
  }

  /** Follows ref path segments from a value, iterating over unbound segments. */
  walk(v: Value, path: readonly Term[], i: number, f: Frame, k: VCont): boolean {
    if (i === path.length) return k(v);
    const seg = path[i]!;
    if (seg.t === 'val') {
      const c = lookup(v, seg.v);
      return c === undefined ? false : this.walk(c, path, i + 1, f, k);
    }
    if (seg.t === 'var' && seg.slot >= 0 && f[seg.slot] === undefined) {
      // Iterate directly (the hottest loop of Kata policies): bind, descend, unbind.
      const slot = seg.slot;
      const next = i + 1;
      try {
        if (Array.isArray(v)) {
          for (let j = 0; j < v.length; j++) {
            this.tick();
            f[slot] = index(j);
            if (this.walk(v[j]!, path, next, f, k)) return true;
          }
        } else if (v instanceof ObjectV) {
          for (const [key, val] of v.entries()) {
            this.tick();
            f[slot] = key;
            if (this.walk(val, path, next, f, k)) return true;
          }
        } else if (v instanceof SetV) {
          for (const m of v.values()) {
            this.tick();
            f[slot] = m;
            if (this.walk(m, path, next, f, k)) return true;
          }
        }
        return false;
      } finally {
        f[slot] = undefined;
      }
    }
    return this.walkGeneral(v, seg, path, i, f, k);
  }

  // A segment that is neither a constant nor a plain unbound variable (walk's closures, kept out
  // of walk itself: see evalGeneral).
  private walkGeneral(v: Value, seg: Term, path: readonly Term[], i: number, f: Frame, k: VCont): boolean {
    if (this.hasUnbound(seg, f)) {
      return this.members(v, (key, val) => this.unify(seg, key, f, () => this.walk(val, path, i + 1, f, k)));
    }
    return this.evalTerm(seg, f, (key) => {
      const c = lookup(v, key);
      return c === undefined ? false : this.walk(c, path, i + 1, f, k);
    });
  }

  /** The value of a rule node (memoised per evaluation). */
  nodeValue(node: RuleNode, base: Value | undefined): Value | undefined {
    return nodeValue(this, node, base);
  }
}

const SMALL_INDEXES: bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

/** An array index as a Rego number, without allocating for the common small ones. */
function index(i: number): bigint {
  return i < 1024 ? SMALL_INDEXES[i]! : BigInt(i);
}
