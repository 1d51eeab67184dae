import type { BuiltinRegistry } from '../builtins/index.js';
import { type Body, INPUT_SLOT, type Rule, type Term } from './ast.js';
import { dependencies, rulesOf } from './compile-deps.js';
import type { RuleNode, RuleTree } from './rule-tree.js';
import { forEachRuleTerm, forEachTerm, type Visit } from './term-walk.js';

// What may be remembered across evaluations (policy/eval/call-memo.ts). A function's result may
// then depend only on its arguments, the policy and the base data; a complete rule's value only on
// the input, the policy and the base data. The engine holds policy and data still between
// evaluations (it forgets everything when either changes), so what matters is that neither the
// node nor anything it may evaluate uses `with` (which would have to be replayed) or calls a
// builtin whose result can differ between calls with equal operands (declared
// `nondeterministic`: the clock, randomness, the network), and, for a function, reads `input`.
// For a rule, the input paths it reads are worked out so that only they key its value.

function usesWith(body: Body): boolean {
  for (const e of body) {
    if (e.k !== 'some' && e.with.length > 0) return true;
    if (e.k === 'every' && usesWith(e.body)) return true;
  }
  return false;
}

/** What a rule may read besides its arguments and data: `input` paths, and whether it is impure. */
interface Reads {
  /** Uses `with`, or calls an unknown or nondeterministic builtin. */
  impure: boolean;
  /** The `input` paths read (constant leading keys; [] for the whole input). */
  readonly input: string[][];
}

function isPrintCall(t: Term): boolean {
  return t.t === 'call' && t.target?.kind === 'builtin' && t.target.name === 'print';
}

// A print's operands are not evaluated when prints are not gathered, the only evaluations that
// use remembered results: what they read does not count.
function localReads(r: Rule, registry: BuiltinRegistry): Reads {
  const reads: Reads = { impure: false, input: [] };
  for (let cur: Rule | null = r; cur !== null; cur = cur.elseRule)
    if (usesWith(cur.body)) reads.impure = true;
  const visit: Visit = (t) => {
    if (isPrintCall(t)) return false;
    if (t.t === 'ref' && t.head.t === 'var' && t.head.slot === INPUT_SLOT) {
      const path: string[] = [];
      for (const seg of t.path) {
        if (seg.t !== 'val' || typeof seg.v !== 'string') break;
        path.push(seg.v);
      }
      reads.input.push(path);
      for (const seg of t.path) forEachTerm(seg, visit);
      return false;
    }
    if (t.t === 'var' && t.slot === INPUT_SLOT) reads.input.push([]);
    else if (t.t === 'acomp' || t.t === 'scomp' || t.t === 'ocomp') {
      if (usesWith(t.body)) reads.impure = true;
    } else if (t.t === 'call') {
      const target = t.target;
      if (target === undefined) reads.impure = true;
      else if (target.kind === 'builtin') {
        const def = registry.get(target.name);
        if (def === undefined || def.nondeterministic === true) reads.impure = true;
      }
    }
    return true;
  };
  forEachRuleTerm(r, visit);
  return reads;
}

/** The paths without those another one covers (a prefix of them); [[]] when one is the whole input. */
function covering(paths: readonly string[][]): string[][] {
  const sorted = [...paths].sort((a, b) => a.length - b.length);
  const out: string[][] = [];
  for (const p of sorted) if (!out.some((q) => q.every((seg, i) => p[i] === seg))) out.push(p);
  return out;
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
    // Print operands are not evaluated in the evaluations that use remembered results.
    forEachRuleTerm(r, (t) => {
      if (isPrintCall(t)) return false;
      if (t.t === 'var' && t.slot === p.slot) uses++;
      return true;
    });
    if (uses !== 1) return false;
  }
  return true;
}

/**
 * Marks what may be remembered across evaluations (policy/eval/call-memo.ts):
 * {@link RuleNode.callKey} on functions that read no input, with the argument positions their
 * results depend on, and {@link RuleNode.inputKey} on complete rules, with the input paths they
 * (and everything they may evaluate) read. Neither is set when the node, or anything it may
 * evaluate, uses `with` or a nondeterministic builtin.
 */
export function markMemoisable(tree: RuleTree, registry: BuiltinRegistry): void {
  const edges = dependencies(tree);
  const reads = new Map<RuleNode, Reads>();
  // The graph is acyclic (checkRecursion ran first), so a depth-first walk settles every node.
  const readsOf = (n: RuleNode): Reads => {
    const known = reads.get(n);
    if (known !== undefined) return known;
    const all: Reads = { impure: false, input: [] };
    const add = (r: Reads): void => {
      if (r.impure) all.impure = true;
      all.input.push(...r.input);
    };
    for (const r of rulesOf(n)) add(localReads(r, registry));
    for (const m of edges.get(n) ?? []) add(readsOf(m));
    const settled: Reads = { impure: all.impure, input: covering(all.input) };
    reads.set(n, settled);
    return settled;
  };
  for (const n of edges.keys()) {
    const r = readsOf(n);
    if (r.impure) continue;
    if (n.funcs.length > 0) {
      if (r.input.length > 0) continue;
      const arity = n.funcs[0]!.args?.length ?? 0;
      const key: number[] = [];
      for (let i = 0; i < arity; i++) if (!unusedParam(n.funcs, i)) key.push(i);
      n.callKey = key;
    } else if (
      n.complete.length + n.defaults.length > 0 &&
      n.contains.length === 0 &&
      n.dynamic.length === 0
    ) {
      n.inputKey = r.input;
    }
  }
}
