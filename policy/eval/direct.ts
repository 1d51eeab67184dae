import type { BuiltinDef } from '../builtins/index.js';
import { DATA_SLOT, type Expr, INPUT_SLOT, type Term } from '../lang/ast.js';
import type { Loc } from '../lang/errors.js';
import { TEMPLATE_STRING } from '../lang/parser-expr.js';
import type { RuleNode } from '../lang/rule-tree.js';
import { equal, ObjectV, type Value } from '../value/index.js';
import { callInfo, evalPrint, invokeBuiltin } from './calls.js';
import { evalFunction } from './docs.js';
import type { Evaluator } from './evaluator.js';
import type { Frame } from './frame.js';
import { constantOf, constantRule, lookup, ruleAt } from './literals.js';
import { type ConstantRun, constantRunAt } from './runs.js';

// The continuation-free fast path of body evaluation. What an expression is (a condition, a
// builtin call, `x := …`, print) and how each operand is read are fixed by the compiled policy,
// so they are worked out once per expression and kept as a plan; each evaluation then only reads
// operands and runs the builtin.

/** Reads one operand without evaluation work; undefined when that takes the general path. */
type Operand = (ev: Evaluator, f: Frame) => Value | undefined;

interface BuiltinPlan {
  readonly def: BuiltinDef;
  readonly name: string;
  readonly args: readonly Operand[];
  readonly loc: Loc;
  /**
   * The operand values of the call being made, reused by every run of this expression rather
   * than an array per call. A run cannot overlap another of the same expression: operands are
   * read before the builtin runs, a builtin never evaluates Rego, and only recursion (which the
   * compiler rejects; mocks turn plans off) could re-enter the expression while its operands are
   * read. Cleared after each call, so that a request's values do not outlive its evaluation.
   */
  readonly operands: Value[];
}

/** A call of a user function: it has at most one value, so it needs no continuation either. */
interface FunctionPlan {
  readonly node: RuleNode;
  readonly args: readonly Operand[];
  readonly loc: Loc;
}

/** How one expression runs without a continuation (see {@link bodyPlans}). */
export type Plan =
  | { readonly k: 'cond'; readonly get: Operand }
  | { readonly k: 'print'; readonly t: Extract<Term, { t: 'call' }> }
  | { readonly k: 'call'; readonly call: BuiltinPlan }
  | { readonly k: 'assign'; readonly slot: number; readonly get: Operand }
  | { readonly k: 'assign-call'; readonly slot: number; readonly call: BuiltinPlan }
  | { readonly k: 'fcall'; readonly call: FunctionPlan }
  | { readonly k: 'assign-fcall'; readonly slot: number; readonly call: FunctionPlan }
  /**
   * `some x in coll` with a collection that is a simple read: each member is bound to the slot
   * in turn and the rest of the body evaluated (Evaluator.evalBody), as the general path does
   * but without its continuations. Not single-valued, so runPlan declines it.
   */
  | { readonly k: 'somein'; readonly slot: number; readonly coll: Operand }
  /** A constant run starts here (see runs.ts); `fallback` is the first expression's own plan. */
  | { readonly k: 'run'; readonly run: ConstantRun; readonly fallback: Plan | null };

// Results of direct(); a slot number >= 0 means "succeeded and bound that slot".
/** The expression needs the general (continuation) path. */
export const NOT_DIRECT = -1;
/** The expression ran and failed. */
export const DIRECT_FAIL = -2;
/** The expression ran and succeeded without binding a variable. */
export const DIRECT_OK = -3;

/** Marker: a call's operands are not all known without evaluation. */
const NOT_SIMPLE: unique symbol = Symbol('not simple');

// Per body (bodies belong to one compiled policy): each expression's plan, null for the general
// path. One lookup per body entered rather than one per expression run.
const plans = new WeakMap<readonly Expr[], readonly (Plan | null)[]>();

/** The plans of a body's expressions, built on first use. */
export function bodyPlans(ev: Evaluator, body: readonly Expr[]): readonly (Plan | null)[] {
  return plans.get(body) ?? buildPlans(ev, body);
}

// Apart from bodyPlans, which runs for every body entered: a closure over `ev` there would cost
// it a context object on every call, hit or miss.
function buildPlans(ev: Evaluator, body: readonly Expr[]): readonly (Plan | null)[] {
  const out = body.map((e) => planOf(ev, e));
  for (let i = 0; i < body.length; i++) {
    const run = constantRunAt(ev.tree, body, i);
    if (run === null) continue;
    out[i] = { k: 'run', run, fallback: out[i] ?? null };
    i = run.end - 1;
  }
  plans.set(body, out);
  return out;
}

/**
 * Runs an expression that has at most one solution without a continuation (no `with` mocks may
 * be in force). Returns NOT_DIRECT when it cannot, DIRECT_FAIL / DIRECT_OK, or the slot it bound.
 */
export function runPlan(ev: Evaluator, p: Plan, f: Frame): number {
  switch (p.k) {
    case 'run':
    case 'somein':
      // Runs and iterations have several solutions: the body loop takes them (Evaluator.evalBody).
      return NOT_DIRECT;
    case 'cond': {
      // A condition such as `input.allowed` or `ret.allowed`: defined and not false.
      const v = p.get(ev, f);
      if (v === undefined) return NOT_DIRECT;
      ev.tick();
      return v === false ? DIRECT_FAIL : DIRECT_OK;
    }
    case 'print':
      ev.tick();
      evalPrint(ev, p.t.args, f, () => true, p.t.loc);
      return DIRECT_OK;
    case 'call': {
      const v = runBuiltin(ev, p.call, f);
      if (v === NOT_SIMPLE) return NOT_DIRECT;
      ev.tick();
      return v === undefined || v === false ? DIRECT_FAIL : DIRECT_OK;
    }
    case 'assign':
    case 'assign-call': {
      const v = p.k === 'assign' ? p.get(ev, f) : runBuiltin(ev, p.call, f);
      if (v === NOT_SIMPLE || (p.k === 'assign' && v === undefined)) return NOT_DIRECT;
      ev.tick();
      return bindResult(p.slot, v, f);
    }
    case 'fcall': {
      const v = runFunction(ev, p.call, f);
      if (v === NOT_SIMPLE) return NOT_DIRECT;
      return v === undefined || v === false ? DIRECT_FAIL : DIRECT_OK;
    }
    case 'assign-fcall': {
      const v = runFunction(ev, p.call, f);
      return v === NOT_SIMPLE ? NOT_DIRECT : bindResult(p.slot, v, f);
    }
  }
}

function bindResult(slot: number, v: Value | undefined, f: Frame): number {
  if (v === undefined) return DIRECT_FAIL;
  const cur = f[slot];
  if (cur !== undefined) return equal(cur, v) ? DIRECT_OK : DIRECT_FAIL;
  f[slot] = v;
  return slot;
}

// Every operand is read before the function runs: once it has run (and perhaps printed), its
// outcome is final and the expression never falls back to the general path, which would run it
// a second time.
function runFunction(ev: Evaluator, c: FunctionPlan, f: Frame): Value | undefined | typeof NOT_SIMPLE {
  // A fresh array: the function's frames hold these values while its bodies run.
  const vs: Value[] = new Array(c.args.length);
  if (!readOperands(ev, c.args, f, vs)) return NOT_SIMPLE;
  ev.tick();
  return evalFunction(ev, c.node, vs, c.loc);
}

function runBuiltin(ev: Evaluator, c: BuiltinPlan, f: Frame): Value | undefined | typeof NOT_SIMPLE {
  const vs = c.operands;
  if (!readOperands(ev, c.args, f, vs)) return NOT_SIMPLE;
  // invokeBuiltin turns a builtin's failure into its result or a PolicyError that ends the whole
  // evaluation; values left behind by the latter are overwritten by the expression's next run.
  const r = invokeBuiltin(ev, c.def, c.name, vs, c.loc);
  clear(vs, vs.length);
  return r;
}

function clear(vs: Value[], n: number): void {
  for (let j = 0; j < n; j++) vs[j] = null;
}

/**
 * Reads every operand into `vs`; false (with what was read cleared) as soon as one needs the
 * general path.
 */
function readOperands(ev: Evaluator, args: readonly Operand[], f: Frame, vs: Value[]): boolean {
  for (let j = 0; j < args.length; j++) {
    const v = args[j]!(ev, f);
    if (v === undefined) {
      clear(vs, j);
      return false;
    }
    vs[j] = v;
  }
  return true;
}

function planOf(ev: Evaluator, e: Expr): Plan | null {
  if (e.k === 'somein') {
    const v = e.val;
    if (e.key !== null || e.with.length > 0 || v.t !== 'var' || v.slot < 0) return null;
    return { k: 'somein', slot: v.slot, coll: operand(ev, e.coll) };
  }
  if (e.k === 'term') {
    if (e.neg || e.with.length > 0) return null;
    const t = e.term;
    if (t.t === 'ref') return { k: 'cond', get: operand(ev, t) };
    if (t.t === 'call' && t.target?.kind === 'func' && t.constant === undefined) {
      const call = functionPlan(ev, t);
      return call === null ? null : { k: 'fcall', call };
    }
    if (t.t !== 'call' || t.target?.kind !== 'builtin' || t.constant !== undefined) return null;
    if (callInfo(ev, t).name === 'print') return { k: 'print', t };
    const call = builtinPlan(ev, t);
    return call === null ? null : { k: 'call', call };
  }
  if (e.k === 'unify' && !e.neg && e.with.length === 0) {
    const a = e.a;
    if (a.t !== 'var' || a.slot < 0) return null;
    const b = e.b;
    if (b.t === 'call' && b.target?.kind === 'builtin' && b.constant === undefined) {
      const call = builtinPlan(ev, b);
      return call === null ? null : { k: 'assign-call', slot: a.slot, call };
    }
    if (b.t === 'call' && b.target?.kind === 'func' && b.constant === undefined) {
      const call = functionPlan(ev, b);
      return call === null ? null : { k: 'assign-fcall', slot: a.slot, call };
    }
    if (b.t === 'val' || b.t === 'var' || b.t === 'ref' || constantOf(b) !== undefined)
      return { k: 'assign', slot: a.slot, get: operand(ev, b) };
  }
  return null;
}

/** A builtin call that can run directly: a plain function of its operands with a fixed arity. */
function builtinPlan(ev: Evaluator, t: Extract<Term, { t: 'call' }>): BuiltinPlan | null {
  const info = callInfo(ev, t);
  const def = info.def;
  if (
    def === undefined ||
    def.relation !== undefined ||
    info.name === 'print' ||
    info.name === TEMPLATE_STRING
  )
    return null;
  if (def.arity >= 0 && t.args.length !== def.arity) return null;
  const args = t.args.map((a) => operand(ev, a));
  return { def, name: info.name, args, loc: t.loc, operands: new Array<Value>(args.length).fill(null) };
}

/**
 * A call of a user function with as many operands as parameters (a further one would be an output
 * operand, which unifies). Operands are simple reads only: none may run a function itself.
 */
function functionPlan(ev: Evaluator, t: Extract<Term, { t: 'call' }>): FunctionPlan | null {
  const info = callInfo(ev, t);
  if (info.node === undefined || info.arity < 0 || t.args.length !== info.arity) return null;
  if (t.args.some((a) => a.t === 'call' && a.target?.kind !== 'builtin' && a.constant === undefined))
    return null;
  return { node: info.node, args: t.args.map((a) => operand(ev, a)), loc: t.loc };
}

/**
 * A builtin call nested in an operand (`count(xs) == 2`): pure, so when it has no value the
 * expression takes the general path, which runs it again to the same end.
 */
function nestedOperand(ev: Evaluator, t: Extract<Term, { t: 'call' }>): Operand {
  if (t.constant !== undefined) {
    const c = t.constant;
    return () => c;
  }
  if (t.target?.kind !== 'builtin') return () => undefined;
  const call = builtinPlan(ev, t);
  if (call === null) return () => undefined;
  return (e, f) => {
    const v = runBuiltin(e, call, f);
    return v === NOT_SIMPLE ? undefined : v;
  };
}

/** How an operand is read: constants once, bound variables from the frame, the rest as simple values. */
function operand(ev: Evaluator, t: Term): Operand {
  switch (t.t) {
    case 'val': {
      const v = t.v;
      return () => v;
    }
    case 'var': {
      const slot = t.slot;
      return slot >= 0 ? (_ev, f) => f[slot] : () => undefined;
    }
    case 'arr':
    case 'set':
    case 'obj': {
      const c = constantOf(t);
      return () => c;
    }
    case 'ref':
      return refOperand(ev, t);
    case 'call':
      return nestedOperand(ev, t);
    default:
      return () => undefined;
  }
}

/**
 * A ref with constant keys read as plain lookups from a bound variable, the input, or the memo of
 * a rule already evaluated (`data.pkg.rule.key`, only while no `with data` is in force); the
 * same answers as {@link Evaluator.simpleValue}, without re-examining the ref on every read.
 */
function refOperand(ev: Evaluator, t: Extract<Term, { t: 'ref' }>): Operand {
  const h = t.head;
  const general: Operand = (e, f) => e.simpleValue(t, f);
  if (h.t !== 'var') return general;
  let from = 0;
  let node: RuleNode | undefined;
  if (h.slot === DATA_SLOT) {
    const at = ruleAt(ev.tree, t);
    if (at === null) return () => undefined;
    node = at.node;
    from = at.from;
  } else if (h.slot !== INPUT_SLOT && h.slot < 0) return () => undefined;
  const keys: Value[] = [];
  for (let i = from; i < t.path.length; i++) {
    const seg = t.path[i]!;
    if (seg.t !== 'val') return general;
    keys.push(seg.v);
  }
  const slot = h.slot;
  const constant = node === undefined ? undefined : constantRule(node);
  if (constant !== undefined) {
    // A ref into a literal rule (`policy_data.common.ipv4_a`) is a constant: resolved here, once.
    let v: Value | undefined = constant;
    for (let i = 0; v !== undefined && i < keys.length; i++) v = lookup(v, keys[i]!);
    const resolved = v;
    return (e) => (e.dataOverrides !== null ? undefined : resolved);
  }
  const root: Operand =
    node !== undefined
      ? (e) => {
          if (e.dataOverrides !== null) return undefined;
          const m = e.memo.get(node);
          return m === undefined || typeof m === 'symbol' ? undefined : m;
        }
      : slot === INPUT_SLOT
        ? (e) => e.input
        : (_e, f) => f[slot];
  return (e, f) => {
    let v = root(e, f);
    for (let i = 0; v !== undefined && i < keys.length; i++) {
      const key = keys[i]!;
      v = typeof key === 'string' && v instanceof ObjectV ? v.getStr(key) : lookup(v, key);
    }
    return v;
  };
}
