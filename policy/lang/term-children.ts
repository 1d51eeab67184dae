import type { Term } from './ast.js';

/**
 * Calls `visit` on each direct subterm of a ref, a collection or a call. Comprehensions are left
 * to the caller: whether their heads and bodies count differs between analyses (a comprehension's
 * own variables are local to it, its free ones are not).
 */
export function forEachChild(t: Term, visit: (x: Term) => void): void {
  switch (t.t) {
    case 'ref':
      visit(t.head);
      for (const p of t.path) visit(p);
      return;
    case 'arr':
    case 'set':
      for (const x of t.items) visit(x);
      return;
    case 'obj':
      for (const [k, v] of t.items) {
        visit(k);
        visit(v);
      }
      return;
    case 'call':
      for (const a of t.args) visit(a);
      return;
    default:
      return;
  }
}
