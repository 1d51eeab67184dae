import type { Body, Expr, Term } from './ast.js';
import { PolicyError } from './errors.js';
import { forEachChild } from './term-children.js';

type Bound = Set<number>;

/** Slots that must be bound before a term can be evaluated (not used as a pattern). */
export function inputs(t: Term, out: number[]): void {
  switch (t.t) {
    case 'var':
      if (t.slot >= 0) out.push(t.slot);
      return;
    case 'ref':
      inputs(t.head, out);
      // Path segments that are patterns (vars, arrays of vars) are bound by iteration.
      for (const p of t.path) patInputs(p, out);
      return;
    case 'arr':
    case 'set':
      for (const x of t.items) inputs(x, out);
      return;
    case 'obj':
      for (const [k, v] of t.items) {
        inputs(k, out);
        inputs(v, out);
      }
      return;
    case 'call': {
      // A variable operand may be bound by another operand's ref (`x == input.xs[x]`).
      const ins: number[] = [];
      for (const a of t.args) inputs(a, ins);
      const bound = new Set<number>();
      for (const a of t.args) {
        if (a.t === 'ref') for (const p of a.path) if (p.t === 'var' && p.slot >= 0) bound.add(p.slot);
      }
      for (const s of ins) if (!bound.has(s)) out.push(s);
      return;
    }
    case 'acomp':
    case 'scomp':
    case 'ocomp':
      out.push(...(t.free ?? []));
      return;
    default:
      return;
  }
}

/** Slots that must be bound before a term can be unified as a pattern. */
export function patInputs(t: Term, out: number[]): void {
  switch (t.t) {
    case 'var':
      return;
    case 'arr':
      for (const x of t.items) patInputs(x, out);
      return;
    case 'obj':
      for (const [k, v] of t.items) {
        inputs(k, out);
        patInputs(v, out);
      }
      return;
    default:
      inputs(t, out);
  }
}

/** Every slot a term mentions (those it can bind once evaluated). */
export function allSlots(t: Term, out: number[]): void {
  if (t.t === 'var') {
    if (t.slot >= 0) out.push(t.slot);
    return;
  }
  forEachChild(t, (x) => allSlots(x, out));
}

function all(slots: number[], bound: Bound): boolean {
  for (const s of slots) if (!bound.has(s)) return false;
  return true;
}

function need(f: (t: Term, out: number[]) => void, ...ts: Term[]): number[] {
  const out: number[] = [];
  for (const t of ts) f(t, out);
  return out;
}

function unifyReady(a: Term, b: Term, bound: Bound): boolean {
  if (a.t === 'arr' && b.t === 'arr' && a.items.length === b.items.length) {
    return a.items.every((x, i) => unifyReady(x, b.items[i]!, bound));
  }
  const pairs = objectPairs(a, b);
  if (pairs !== null) return pairs.every(([x, y]) => unifyReady(x, y, bound));
  return (
    (all(need(patInputs, a), bound) && all(need(inputs, b), bound)) ||
    (all(need(patInputs, b), bound) && all(need(inputs, a), bound))
  );
}

/** Whether an expression can run once `bound` slots are bound. */
function ready(e: Expr, bound: Bound, wild: ReadonlySet<number>, arity: (t: Term) => number): boolean {
  const withOk = (): boolean => ('with' in e ? e.with.every((w) => all(need(inputs, w.value), bound)) : true);
  switch (e.k) {
    case 'term': {
      if (e.neg)
        return (
          all(
            need(allSlots, e.term).filter((s) => !wild.has(s)),
            bound,
          ) && withOk()
        );
      const t = e.term;
      if (t.t === 'call' && t.args.length === arity(t) + 1) {
        const ins = t.args.slice(0, -1);
        return all(need(inputs, ...ins), bound) && all(need(patInputs, t.args.at(-1)!), bound) && withOk();
      }
      return all(need(inputs, t), bound) && withOk();
    }
    case 'unify':
      if (e.neg)
        return (
          all(
            need(allSlots, e.a, e.b).filter((s) => !wild.has(s)),
            bound,
          ) && withOk()
        );
      return unifyReady(e.a, e.b, bound) && withOk();
    case 'somein':
      return (
        all(need(inputs, e.coll), bound) && all(need(patInputs, ...(e.key ? [e.key] : []), e.val), bound)
      );
    case 'every':
      return all(need(inputs, e.coll), bound) && all(e.free ?? [], bound) && withOk();
    default:
      return true;
  }
}

function outputs(e: Expr): number[] {
  switch (e.k) {
    case 'term':
      return e.neg ? [] : need(allSlots, e.term);
    case 'unify':
      return e.neg ? [] : need(allSlots, e.a, e.b);
    case 'somein':
      return need(allSlots, ...(e.key ? [e.key] : []), e.val, e.coll);
    default:
      return [];
  }
}

/**
 * Reorders a body so every expression runs after the expressions binding its inputs (OPA's
 * safety reordering, keeping the written order wherever it is already safe). Throws
 * rego_unsafe_var_error naming the first variable nothing can bind.
 */
export function orderBody(
  body: Body,
  bound: Bound,
  wild: ReadonlySet<number>,
  arity: (t: Term) => number,
  names: (slot: number) => string,
): Body {
  const rest = [...body];
  const out: Body = [];
  while (rest.length > 0) {
    const i = rest.findIndex((e) => ready(e, bound, wild, arity));
    if (i < 0) {
      const e = rest[0]!;
      const slots = [...outputs(e), ...rest.flatMap((x) => ('free' in x ? (x.free ?? []) : []))];
      const all2: number[] = [];
      for (const x of rest) for (const t of termsOf(x)) allSlots(t, all2);
      const unbound = [...slots, ...all2].find((s) => !bound.has(s) && !wild.has(s));
      const name = unbound === undefined ? '?' : names(unbound);
      throw new PolicyError('rego_unsafe_var_error', `var ${name} is unsafe`, e.loc);
    }
    const e = rest.splice(i, 1)[0]!;
    out.push(e);
    for (const s of outputs(e)) bound.add(s);
  }
  return out;
}

function termsOf(e: Expr): Term[] {
  switch (e.k) {
    case 'term':
      return [e.term];
    case 'unify':
      return [e.a, e.b];
    case 'somein':
      return [e.val, e.coll];
    case 'every':
      return [e.coll];
    default:
      return [];
  }
}

/** Variable names by slot, for error messages (`_` and generated names included). */
export function slotNames(terms: readonly Term[]): Map<number, string> {
  const out = new Map<number, string>();
  const visit = (t: Term): void => {
    switch (t.t) {
      case 'var':
        if (t.slot >= 0 && !out.has(t.slot)) out.set(t.slot, t.name);
        return;
      case 'acomp':
      case 'scomp':
        visit(t.head);
        for (const e of t.body) termsOf(e).forEach(visit);
        return;
      case 'ocomp':
        visit(t.key);
        visit(t.val);
        for (const e of t.body) termsOf(e).forEach(visit);
        return;
      default:
        forEachChild(t, visit);
    }
  };
  terms.forEach(visit);
  return out;
}

/** Matching value pairs of two object patterns with the same constant keys; null otherwise. */
export function objectPairs(a: Term, b: Term): [Term, Term][] | null {
  if (a.t !== 'obj' || b.t !== 'obj' || a.items.length !== b.items.length) return null;
  const bs = new Map<unknown, Term>();
  for (const [k, v] of b.items) {
    if (k.t !== 'val' || typeof k.v !== 'string') return null;
    bs.set(k.v, v);
  }
  const out: [Term, Term][] = [];
  for (const [k, v] of a.items) {
    if (k.t !== 'val' || typeof k.v !== 'string') return null;
    const w = bs.get(k.v);
    if (w === undefined) return null;
    out.push([v, w]);
  }
  return out;
}
