import type { Expr, Rule, Term } from './ast.js';
import { DATA_SLOT } from './ast.js';
import type { RuleNode, RuleTree } from './rule-tree.js';

// What each rule node may evaluate: the analyses that need the graph of rules (recursion,
// memoisable calls) read it from here.

/** A reference under data as a pattern: a key, or null for a segment known only at run time. */
type Pattern = (string | null | typeof NEVER)[];

/** A constant segment that cannot name a rule (a number, an array...). */
const NEVER: unique symbol = Symbol('never');

function dataRefs(t: Term, out: Pattern[]): void {
  switch (t.t) {
    case 'ref': {
      if (t.head.t === 'var' && t.head.slot === DATA_SLOT) {
        out.push(t.path.map((s) => (s.t !== 'val' ? null : typeof s.v === 'string' ? s.v : NEVER)));
      } else dataRefs(t.head, out);
      for (const s of t.path) dataRefs(s, out);
      return;
    }
    case 'var':
      if (t.slot === DATA_SLOT) out.push([]);
      return;
    case 'arr':
    case 'set':
      for (const x of t.items) dataRefs(x, out);
      return;
    case 'obj':
      for (const [k, v] of t.items) {
        dataRefs(k, out);
        dataRefs(v, out);
      }
      return;
    case 'call':
      if (t.target?.kind === 'func') out.push([...t.target.path]);
      for (const a of t.args) dataRefs(a, out);
      return;
    case 'acomp':
    case 'scomp':
      dataRefs(t.head, out);
      bodyRefs(t.body, out);
      return;
    case 'ocomp':
      dataRefs(t.key, out);
      dataRefs(t.val, out);
      bodyRefs(t.body, out);
      return;
    default:
      return;
  }
}

function bodyRefs(body: readonly Expr[], out: Pattern[]): void {
  for (const e of body) {
    switch (e.k) {
      case 'term':
        dataRefs(e.term, out);
        break;
      case 'unify':
        dataRefs(e.a, out);
        dataRefs(e.b, out);
        break;
      case 'somein':
        dataRefs(e.coll, out);
        if (e.key) dataRefs(e.key, out);
        dataRefs(e.val, out);
        break;
      case 'every':
        dataRefs(e.coll, out);
        bodyRefs(e.body, out);
        break;
      default:
        break;
    }
    // `with` targets replace documents; their values are evaluated normally.
    if ('with' in e) for (const w of e.with) dataRefs(w.value, out);
  }
}

function ruleRefs(r: Rule, out: Pattern[]): void {
  for (let cur: Rule | null = r; cur !== null; cur = cur.elseRule) {
    bodyRefs(cur.body, out);
    dataRefs(cur.value, out);
    if (cur.key) dataRefs(cur.key, out);
    for (const t of cur.ref.slice(1)) dataRefs(t, out);
  }
}

/** Rule-bearing nodes a reference may evaluate: matching ancestors with rules, or descendants. */
export function targets(tree: RuleTree, pattern: Pattern): RuleNode[] {
  const out: RuleNode[] = [];
  const visit = (n: RuleNode, i: number): void => {
    if (n.hasRules) {
      out.push(n);
      if (i >= pattern.length) return;
    }
    if (i >= pattern.length) {
      for (const c of n.children.values()) visit(c, i + 1);
      return;
    }
    const seg = pattern[i];
    if (seg === NEVER) return;
    if (seg === null) for (const c of n.children.values()) visit(c, i + 1);
    else {
      const c = n.children.get(seg as string);
      if (c !== undefined) visit(c, i + 1);
    }
  };
  visit(tree.root, 0);
  return out;
}

/** Every node that rules define, depth first from the root. */
export function ruleNodes(tree: RuleTree): RuleNode[] {
  const nodes: RuleNode[] = [];
  const collect = (n: RuleNode): void => {
    if (n.hasRules) nodes.push(n);
    for (const c of n.children.values()) collect(c);
  };
  collect(tree.root);
  return nodes;
}

/** Every rule of a node: complete, default, multi-value, function and dynamic-head rules. */
export function rulesOf(n: RuleNode): Rule[] {
  return [...n.complete, ...n.defaults, ...n.contains, ...n.funcs, ...n.dynamic.map((d) => d.rule)];
}

/**
 * For each rule-bearing node, the nodes its rules may evaluate: what their bodies, heads and
 * else chains reference under `data` (ancestors with rules, or anything below).
 */
export function dependencies(tree: RuleTree): Map<RuleNode, Set<RuleNode>> {
  const edges = new Map<RuleNode, Set<RuleNode>>();
  for (const n of ruleNodes(tree)) {
    const refs: Pattern[] = [];
    for (const r of rulesOf(n)) ruleRefs(r, refs);
    const set = new Set<RuleNode>();
    for (const p of refs) for (const t of targets(tree, p)) set.add(t);
    edges.set(n, set);
  }
  return edges;
}
