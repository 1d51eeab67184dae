import type { Body, Rule, Term } from './ast.js';
import { forEachChild } from './term-children.js';

// One walk over every term of a rule, for the compile-time analyses (compile-deps.ts,
// compile-purity.ts). A `with` modifier's target is not visited: it names a document to replace,
// it does not read it; its value is.

/** Visits a term; false to skip what is inside it. */
export type Visit = (t: Term) => boolean | undefined;

/** Calls `visit` on every term of a body, nested bodies and `with` values included. */
export function forEachBodyTerm(body: Body, visit: Visit): void {
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
      for (const w of e.with) forEachTerm(w.value, visit);
    }
  }
}

/** Calls `visit` on a term and, unless it says not to, on everything inside it. */
export function forEachTerm(t: Term, visit: Visit): void {
  if (visit(t) === false) return;
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
export function forEachRuleTerm(r: Rule, visit: Visit): void {
  for (let cur: Rule | null = r; cur !== null; cur = cur.elseRule) {
    for (const t of cur.ref) forEachTerm(t, visit);
    if (cur.args !== null) for (const a of cur.args) forEachTerm(a, visit);
    if (cur.key !== null) forEachTerm(cur.key, visit);
    forEachTerm(cur.value, visit);
    forEachBodyTerm(cur.body, visit);
  }
}
