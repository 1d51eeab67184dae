import type { Rule } from './ast.js';
import { DATA_SLOT } from './ast.js';
import type { RuleNode, RuleTree } from './rule-tree.js';
import { forEachRuleTerm, forEachTerm, type Visit } from './term-walk.js';

// What each rule node may evaluate: the analyses that need the graph of rules (recursion,
// memoisable calls) read it from here.

/** A reference under data as a pattern: a key, or null for a segment known only at run time. */
type Pattern = (string | null | typeof NEVER)[];

/** A constant segment that cannot name a rule (a number, an array...). */
const NEVER: unique symbol = Symbol('never');

// What a rule may evaluate under data: `data.<path>` refs as patterns, calls of user functions.
function ruleRefs(r: Rule, out: Pattern[]): void {
  const visit: Visit = (t) => {
    if (t.t === 'ref' && t.head.t === 'var' && t.head.slot === DATA_SLOT) {
      out.push(t.path.map((s) => (s.t !== 'val' ? null : typeof s.v === 'string' ? s.v : NEVER)));
      for (const s of t.path) forEachTerm(s, visit);
      return false;
    }
    if (t.t === 'var' && t.slot === DATA_SLOT) out.push([]);
    else if (t.t === 'call' && t.target?.kind === 'func') out.push([...t.target.path]);
    return true;
  };
  forEachRuleTerm(r, visit);
}

/** Rule-bearing nodes a reference may evaluate: matching ancestors with rules, or descendants. */
function targets(tree: RuleTree, pattern: Pattern): RuleNode[] {
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
