import type { BuiltinRegistry } from '../builtins/index.js';
import { type Body, INPUT_SLOT, type Rule, type Term } from './ast.js';
import { dependencies, rulesOf } from './compile-deps.js';
import type { RuleNode, RuleTree } from './rule-tree.js';
import { forEachChild } from './term-children.js';

// Which functions may have their results remembered across evaluations (policy/eval/call-memo.ts).
// A call's result may then depend only on its arguments, the policy and the base data, which the
// engine holds still between evaluations (it forgets every result when either changes). So the
// function, and everything it may evaluate, must not read `input`, must not use `with` (which
// would have to be replayed), and must call no builtin whose result can differ between calls
// with equal operands (declared `nondeterministic`: the clock, randomness, the network).

/** Calls `visit` on every term of a body, nested bodies and `with` modifiers included. */
function forEachBodyTerm(body: Body, visit: (t: Term) => void): void {
  for (const e of body) {
    switch (e.k) {
      case 'term':
        forEachTerm(e.term, visit);
        break;
      case 'unify':
        forEachTerm(e.a, visit);
        forEachTerm(e.b, visit);
        break;
      case 'some':
        for (const v of e.vars) forEachTerm(v, visit);
        break;
      case 'somein':
        if (e.key !== null) forEachTerm(e.key, visit);
        forEachTerm(e.val, visit);
        forEachTerm(e.coll, visit);
        break;
      case 'every':
        if (e.key !== null) forEachTerm(e.key, visit);
        forEachTerm(e.val, visit);
        forEachTerm(e.coll, visit);
        forEachBodyTerm(e.body, visit);
        break;
    }
    if (e.k !== 'some') {
      for (const w of e.with) {
        forEachTerm(w.target, visit);
        forEachTerm(w.value, visit);
      }
    }
  }
}

function forEachTerm(t: Term, visit: (t: Term) => void): void {
  visit(t);
  switch (t.t) {
    case 'acomp':
    case 'scomp':
      forEachTerm(t.head, visit);
      forEachBodyTerm(t.body, visit);
      return;
    case 'ocomp':
      forEachTerm(t.key, visit);
      forEachTerm(t.val, visit);
      forEachBodyTerm(t.body, visit);
      return;
    default:
      forEachChild(t, (x) => forEachTerm(x, visit));
  }
}

/** Calls `visit` on every term of a rule and its else chain: head, arguments, body, value. */
function forEachRuleTerm(r: Rule, visit: (t: Term) => void): void {
  for (let cur: Rule | null = r; cur !== null; cur = cur.elseRule) {
    for (const t of cur.ref) forEachTerm(t, visit);
    if (cur.args !== null) for (const a of cur.args) forEachTerm(a, visit);
    if (cur.key !== null) forEachTerm(cur.key, visit);
    forEachTerm(cur.value, visit);
    forEachBodyTerm(cur.body, visit);
  }
}

function usesWith(body: Body): boolean {
  for (const e of body) {
    if (e.k !== 'some' && e.with.length > 0) return true;
    if (e.k === 'every' && usesWith(e.body)) return true;
  }
  return false;
}

/** True when a rule reads `input`, uses `with`, or calls an unknown or nondeterministic builtin. */
function locallyImpure(r: Rule, registry: BuiltinRegistry): boolean {
  let impure = false;
  for (let cur: Rule | null = r; cur !== null; cur = cur.elseRule) if (usesWith(cur.body)) impure = true;
  forEachRuleTerm(r, (t) => {
    if (t.t === 'var' && t.slot === INPUT_SLOT) impure = true;
    else if (t.t === 'acomp' || t.t === 'scomp' || t.t === 'ocomp') {
      if (usesWith(t.body)) impure = true;
    } else if (t.t === 'call') {
      const target = t.target;
      if (target === undefined) impure = true;
      else if (target.kind === 'builtin') {
        const def = registry.get(target.name);
        if (def === undefined || def.nondeterministic === true) impure = true;
      }
    }
  });
  return impure;
}

/**
 * True when no definition reads parameter `i` beyond binding it: it is a distinct variable in
 * every definition and nothing else in that definition names its slot.
 */
function unusedParam(funcs: readonly Rule[], i: number): boolean {
  for (const r of funcs) {
    const p = r.args?.[i];
    if (p === undefined || p.t !== 'var' || p.slot < 0) return false;
    let uses = 0;
    forEachRuleTerm(r, (t) => {
      if (t.t === 'var' && t.slot === p.slot) uses++;
    });
    if (uses !== 1) return false;
  }
  return true;
}

/**
 * Sets {@link RuleNode.callKey} on every function whose results may be remembered across
 * evaluations: the argument positions its result depends on.
 */
export function markMemoisableCalls(tree: RuleTree, registry: BuiltinRegistry): void {
  const edges = dependencies(tree);
  const pure = new Map<RuleNode, boolean>();
  // The graph is acyclic (checkRecursion ran first), so a depth-first walk settles every node.
  const isPure = (n: RuleNode): boolean => {
    const known = pure.get(n);
    if (known !== undefined) return known;
    let ok = !rulesOf(n).some((r) => locallyImpure(r, registry));
    for (const m of edges.get(n) ?? []) if (ok && !isPure(m)) ok = false;
    pure.set(n, ok);
    return ok;
  };
  for (const n of edges.keys()) {
    if (n.funcs.length === 0 || !isPure(n)) continue;
    const arity = n.funcs[0]!.args?.length ?? 0;
    const key: number[] = [];
    for (let i = 0; i < arity; i++) if (!unusedParam(n.funcs, i)) key.push(i);
    n.callKey = key;
  }
}
