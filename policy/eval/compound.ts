import type { Body, Expr, Term } from '../lang/ast.js';
import { PolicyError } from '../lang/errors.js';
import { equal, ObjectV, SetV, type Value } from '../value/index.js';
import type { Evaluator } from './evaluator.js';
import type { Cont, Frame, VCont } from './frame.js';
import { constantOf } from './literals.js';

// Expressions and terms that iterate or build a collection: `some … in`, `every`, sets, objects
// and comprehensions. They need closures over their operands, so they live apart from the
// evaluator's hot functions (Evaluator.evalGeneral says why).

/** `some x in c` from a plan: x takes each member of c in turn (the order of members()). */
export function eachMember(
  ev: Evaluator,
  c: Value,
  slot: number,
  body: Body,
  next: number,
  f: Frame,
  k: Cont,
): boolean {
  try {
    if (Array.isArray(c)) {
      for (let j = 0; j < c.length; j++) {
        f[slot] = c[j]!;
        if (ev.evalBody(body, next, f, k)) return true;
      }
    } else if (c instanceof ObjectV) {
      for (const [, v] of c.entries()) {
        f[slot] = v;
        if (ev.evalBody(body, next, f, k)) return true;
      }
    } else if (c instanceof SetV) {
      for (const v of c.values()) {
        f[slot] = v;
        if (ev.evalBody(body, next, f, k)) return true;
      }
    }
    return false;
  } finally {
    f[slot] = undefined;
  }
}

/** `some … in …` on the general path. */
export function evalSomeIn(ev: Evaluator, e: Extract<Expr, { k: 'somein' }>, f: Frame, k: Cont): boolean {
  const each = (key: Value, val: Value): boolean =>
    e.key === null ? ev.unify(e.val, val, f, k) : ev.unify(e.key, key, f, () => ev.unify(e.val, val, f, k));
  // A collection with one value (`some x in input.xs`, `some p in policy_data.list`) is
  // iterated at once; others are evaluated first.
  const c = ev.simpleValue(e.coll, f);
  if (c !== undefined) return ev.members(c, each);
  return ev.evalTerm(e.coll, f, (v) => ev.members(v, each));
}

/** `every … in … { … }`: true when the body holds for each member of a collection. */
export function evalEvery(ev: Evaluator, e: Extract<Expr, { k: 'every' }>, f: Frame, k: Cont): boolean {
  return ev.evalTerm(e.coll, f, (c) => {
    if (!(Array.isArray(c) || c instanceof ObjectV || c instanceof SetV)) return false;
    const ok = !ev.members(c, (key, val) => {
      const found =
        e.key === null
          ? ev.unify(e.val, val, f, () => ev.evalBody(e.body, 0, f, () => true))
          : ev.unify(e.key, key, f, () =>
              ev.unify(e.val, val, f, () => ev.evalBody(e.body, 0, f, () => true)),
            );
      return !found;
    });
    return ok ? k() : false;
  });
}

/** Sets, objects and comprehensions: the evalTerm cases that need closures. */
export function evalBuilt(
  ev: Evaluator,
  t: Extract<Term, { t: 'set' | 'obj' | 'acomp' | 'scomp' | 'ocomp' }>,
  f: Frame,
  k: VCont,
): boolean {
  switch (t.t) {
    case 'set': {
      const c = constantOf(t);
      if (c !== undefined) return k(c);
      return ev.evalItems(t.items, 0, [], f, (xs) => k(SetV.from(xs)));
    }
    case 'obj': {
      const c = constantOf(t);
      if (c !== undefined) return k(c);
      const flat: Term[] = [];
      for (const [a, b] of t.items) flat.push(a, b);
      return ev.evalItems(flat, 0, [], f, (xs) => {
        const o = new ObjectV();
        for (let i = 0; i < xs.length; i += 2) o.set(xs[i]!, xs[i + 1]!);
        return k(o);
      });
    }
    case 'acomp': {
      const out: Value[] = [];
      eachHead(ev, t.body, t.head, f, (v) => out.push(v));
      return k(out);
    }
    case 'scomp': {
      const out = new SetV();
      eachHead(ev, t.body, t.head, f, (v) => out.add(v));
      return k(out);
    }
    case 'ocomp': {
      const out = new ObjectV();
      ev.evalBody(t.body, 0, f, () =>
        ev.evalTerm(t.key, f, (key) =>
          ev.evalTerm(t.val, f, (v) => {
            const prev = out.get(key);
            if (prev !== undefined && !equal(prev, v)) {
              throw new PolicyError('eval_conflict_error', 'object keys must be unique', t.loc);
            }
            out.set(key, v);
            return false;
          }),
        ),
      );
      return k(out);
    }
  }
}

// Every value of `head` over every solution of `body` (an array or set comprehension).
function eachHead(ev: Evaluator, body: Body, head: Term, f: Frame, each: (v: Value) => void): void {
  ev.evalBody(body, 0, f, () =>
    ev.evalTerm(head, f, (v) => {
      each(v);
      return false;
    }),
  );
}
