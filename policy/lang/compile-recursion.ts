import { dependencies } from './compile-deps.js';
import { PolicyError } from './errors.js';
import type { RuleNode, RuleTree } from './rule-tree.js';

/**
 * Rejects recursive rules and functions at compile time (OPA: rego_recursion_error), naming the
 * cycle. Dependencies are what a rule's body, head and else chain reference under `data`.
 */
export function checkRecursion(tree: RuleTree): void {
  const edges = dependencies(tree);
  const state = new Map<RuleNode, 1 | 2>();
  const stack: RuleNode[] = [];
  const name = (n: RuleNode): string => `data.${n.path.join('.')}`;
  const dfs = (n: RuleNode): void => {
    state.set(n, 1);
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      const s = state.get(m);
      if (s === 1) {
        const cycle = [...stack.slice(stack.indexOf(m)), m].map(name).join(' -> ');
        const r = m.complete[0] ?? m.defaults[0] ?? m.contains[0] ?? m.funcs[0] ?? m.dynamic[0]?.rule;
        throw new PolicyError('rego_recursion_error', `rule ${name(m)} is recursive: ${cycle}`, r?.loc);
      }
      if (s === undefined) dfs(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of edges.keys()) if (!state.has(n)) dfs(n);
}
