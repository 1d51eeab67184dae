import { type Body, DATA_SLOT, type Expr, type Term } from '../lang/ast.js';
import type { RuleTree } from '../lang/rule-tree.js';
import type { Value } from '../value/index.js';
import type { Evaluator } from './evaluator.js';
import type { Cont, Frame } from './frame.js';
import { constantRule, ruleAt } from './literals.js';

// Constant runs: consecutive expressions of a body that read nothing but constants and each
// other's variables, such as Kata's
//   some p_regex1 in policy_data.request_defaults.CreateContainerRequest.allow_env_regex
//   p_regex2 := replace(p_regex1, "$(ipv4_a)", policy_data.common.ipv4_a)   (and three more)
// Their solutions are the same in every evaluation of the policy, so they are worked out once
// (by the general path, in the evaluation that first reaches them) and replayed after that.

/** Most solutions a run may have to be kept; a bigger one is evaluated every time instead. */
export const MAX_RUN_SOLUTIONS = 256;

/**
 * Builtins whose result depends on their operands alone. Clock, randomness, network, metadata
 * and print are left out: their results are not constants.
 */
const PURE_BUILTINS: ReadonlySet<string> = new Set([
  'equal',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'plus',
  'minus',
  'mul',
  'div',
  'rem',
  'count',
  'concat',
  'split',
  'replace',
  'contains',
  'startswith',
  'endswith',
  'lower',
  'upper',
  'trim',
  'trim_left',
  'trim_right',
  'trim_prefix',
  'trim_suffix',
  'trim_space',
  'substring',
  'indexof',
  'sprintf',
  'format_int',
  'to_number',
  'regex.match',
  'regex.replace',
  'internal.member_2',
  'internal.member_3',
]);

/** A run of constant expressions starting at one index of a body (see the file comment). */
export interface ConstantRun {
  /** Index of the first expression after the run. */
  readonly end: number;
  /** The frame slots the run binds, in the order of each solution's values. */
  readonly slots: readonly number[];
  /** Each solution's values for `slots`; undefined until first evaluated. */
  solutions: readonly (readonly Value[])[] | undefined;
  /** Steps the general path took to enumerate them, charged on every use. */
  steps: number;
  /** Set when the run cannot be kept (too many solutions, or its evaluation threw). */
  unusable: boolean;
}

/** The constant run starting at body[i], or null when none (or one not worth keeping) does. */
export function constantRunAt(tree: RuleTree, body: readonly Expr[], i: number): ConstantRun | null {
  const bound = new Set<number>();
  const slots: number[] = [];
  let worth = false;
  let end = i;
  for (; end < body.length; end++) {
    const e = body[end]!;
    const binds = constantBinds(tree, e, bound);
    if (binds === null) break;
    if (e.k === 'somein' || (e.k === 'unify' && e.b.t === 'call') || e.k === 'term') worth = true;
    for (const s of binds) {
      bound.add(s);
      slots.push(s);
    }
  }
  if (!worth || end === i) return null;
  return { end, slots, solutions: undefined, steps: 0, unusable: false };
}

// The slots an expression binds when it reads only constants and `bound`; null when it is not
// such an expression. Patterns other than plain new variables are left to the general path.
function constantBinds(tree: RuleTree, e: Expr, bound: ReadonlySet<number>): number[] | null {
  switch (e.k) {
    case 'somein': {
      if (e.with.length > 0 || !isConstant(tree, e.coll, bound)) return null;
      const out: number[] = [];
      for (const p of e.key === null ? [e.val] : [e.key, e.val]) {
        if (p.t !== 'var' || p.slot < 0 || bound.has(p.slot) || out.includes(p.slot)) return null;
        out.push(p.slot);
      }
      return out;
    }
    case 'unify': {
      if (e.neg || e.with.length > 0) return null;
      const a = e.a;
      if (a.t !== 'var' || a.slot < 0 || bound.has(a.slot) || !isConstant(tree, e.b, bound)) return null;
      return [a.slot];
    }
    case 'term':
      if (e.neg || e.with.length > 0) return null;
      return (e.term.t === 'call' || e.term.t === 'ref') && isConstant(tree, e.term, bound) ? [] : null;
    default:
      return null;
  }
}

/** True when a term's value is the same in every evaluation, given the run's own variables. */
function isConstant(tree: RuleTree, t: Term, bound: ReadonlySet<number>): boolean {
  switch (t.t) {
    case 'val':
      return true;
    case 'var':
      return t.slot >= 0 && bound.has(t.slot);
    case 'arr':
    case 'set':
      return t.items.every((x) => isConstant(tree, x, bound));
    case 'obj':
      return t.items.every(([k, v]) => isConstant(tree, k, bound) && isConstant(tree, v, bound));
    case 'call':
      if (t.constant !== undefined) return true;
      return (
        t.target?.kind === 'builtin' &&
        PURE_BUILTINS.has(t.target.name) &&
        t.args.every((x) => isConstant(tree, x, bound))
      );
    case 'ref': {
      const h = t.head;
      if (h.t !== 'var') return false;
      let from = 0;
      if (h.slot === DATA_SLOT) {
        // Only literal rules (`policy_data := {…}`) are constants; base documents may change.
        const at = ruleAt(tree, t);
        if (at === null || constantRule(at.node) === undefined) return false;
        from = at.from;
      } else if (h.slot < 0 || !bound.has(h.slot)) return false;
      for (let i = from; i < t.path.length; i++) {
        const seg = t.path[i]!;
        if (seg.t !== 'val' && !(seg.t === 'var' && seg.slot >= 0 && bound.has(seg.slot))) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * The run's solutions for this evaluation, or undefined when it must take the general path:
 * under `with data` (literal rules may be replaced), with strict builtin errors (an error must
 * surface where it happens), or when a slot of the run is already bound.
 */
export function runSolutions(
  ev: Evaluator,
  run: ConstantRun,
  body: readonly Expr[],
  i: number,
  f: Frame,
): readonly (readonly Value[])[] | undefined {
  if (run.unusable || ev.dataOverrides !== null || ev.opts.strictBuiltinErrors) return undefined;
  const slots = run.slots;
  for (let j = 0; j < slots.length; j++) if (f[slots[j]!] !== undefined) return undefined;
  if (run.solutions !== undefined) {
    ev.tick(run.steps);
    return run.solutions;
  }
  return enumerate(ev, run, body, i, f);
}

// The first evaluation of a run (apart from runSolutions, which every later one passes through:
// the closure below would cost it a context object on each call).
function enumerate(
  ev: Evaluator,
  run: ConstantRun,
  body: readonly Expr[],
  i: number,
  f: Frame,
): readonly (readonly Value[])[] | undefined {
  const slots = run.slots;
  const out: Value[][] = [];
  const before = ev.steps;
  try {
    evalRange(ev, body, i, run.end, f, () => {
      out.push(slots.map((s) => f[s]!));
      return out.length > MAX_RUN_SOLUTIONS;
    });
  } catch {
    // The general path takes it from here and meets the same error, if it gets that far (it
    // may stop at an earlier solution).
    run.unusable = true;
    return undefined;
  }
  if (out.length > MAX_RUN_SOLUTIONS) {
    run.unusable = true;
    return undefined;
  }
  run.steps = ev.steps - before;
  run.solutions = out;
  return out;
}

// The general path over body[j..end), without plans (which would find this very run again).
function evalRange(
  ev: Evaluator,
  body: readonly Expr[],
  j: number,
  end: number,
  f: Frame,
  k: () => boolean,
): boolean {
  if (j === end) return k();
  return ev.evalExpr(body[j]!, f, () => evalRange(ev, body, j + 1, end, f, k));
}

/** Binds each of a run's solutions in turn and evaluates the rest of the body (from `end`). */
export function eachSolution(
  ev: Evaluator,
  slots: readonly number[],
  sols: readonly (readonly Value[])[],
  body: Body,
  end: number,
  f: Frame,
  k: Cont,
): boolean {
  for (const sol of sols) {
    for (let j = 0; j < slots.length; j++) f[slots[j]!] = sol[j]!;
    try {
      if (ev.evalBody(body, end, f, k)) return true;
    } finally {
      for (let j = 0; j < slots.length; j++) f[slots[j]!] = undefined;
    }
  }
  return false;
}
