import type { Body, CallTarget, Expr, Term, With } from './ast.js';
import { DATA_SLOT, INPUT_SLOT } from './ast.js';
import { type ModuleContext, patternVarNames, Scope, termVarNames } from './compile-scope.js';
import { PolicyError } from './errors.js';
import { forEachChild } from './term-children.js';

function compileErr(msg: string, t: { loc: Term['loc'] }): PolicyError {
  return new PolicyError('rego_compile_error', msg, t.loc);
}

/** Resolves names and allocates slots in a body compiled in `scope`; returns the new body. */
export function resolveBody(body: Body, scope: Scope, extraNames: readonly Term[] = []): Body {
  const explicit = new Set<string>();
  for (const e of body) declaredNames(e, explicit);
  // Implicit locals: names that are neither global, visible from outer scopes, nor declared
  // explicitly (explicit declarations take effect where they are written, like OPA's).
  const names = new Set<string>();
  for (const e of body) exprVarNames(e, names, (t) => functionValue(t, scope) !== null);
  for (const t of extraNames) termVarNames(t, names);
  for (const n of names) {
    if (n === '_' || explicit.has(n) || scope.lookup(n) !== undefined || scope.isGlobal(n)) continue;
    scope.declare(n);
  }
  const out: Body = [];
  for (const e of body) {
    if (e.k === 'some') {
      for (const v of e.vars)
        if (v.t === 'var' && v.name !== '_' && !scope.hasOwn(v.name)) scope.declare(v.name);
      continue;
    }
    if (e.k === 'unify' && e.assign) {
      const b = resolveTerm(e.b, scope);
      const ns = new Set<string>();
      patternVarNames(e.a, ns);
      for (const n of ns) {
        if (n === '_') continue;
        if (scope.hasOwn(n) && explicitOwn(scope, n)) throw compileErr(`var ${n} assigned above`, e);
        if (usedBefore.get(scope)?.has(n)) throw compileErr(`var ${n} referenced above`, e);
        scope.declare(n);
        markExplicit(scope, n);
      }
      out.push({ ...e, a: resolveTerm(e.a, scope), b, with: resolveWith(e.with, scope) });
      continue;
    }
    if (e.k === 'somein') {
      const coll = resolveTerm(e.coll, scope);
      const ns = new Set<string>();
      if (e.key !== null) patternVarNames(e.key, ns);
      patternVarNames(e.val, ns);
      for (const n of ns) if (n !== '_') scope.declare(n);
      out.push({
        ...e,
        key: e.key === null ? null : resolveTerm(e.key, scope),
        val: resolveTerm(e.val, scope),
        coll,
        with: resolveWith(e.with, scope),
      });
      continue;
    }
    out.push(resolveExpr(e, scope));
  }
  return out;
}

const explicitVars = new WeakMap<Scope, Set<string>>();
const usedBefore = new WeakMap<Scope, Set<string>>();

function markExplicit(scope: Scope, n: string): void {
  let s = explicitVars.get(scope);
  if (s === undefined) explicitVars.set(scope, (s = new Set()));
  s.add(n);
}

function explicitOwn(scope: Scope, n: string): boolean {
  return explicitVars.get(scope)?.has(n) === true;
}

function declaredNames(e: Expr, out: Set<string>): void {
  if (e.k === 'some') for (const v of e.vars) patternVarNames(v, out);
  else if (e.k === 'unify' && e.assign) patternVarNames(e.a, out);
  else if (e.k === 'somein') {
    if (e.key !== null) patternVarNames(e.key, out);
    patternVarNames(e.val, out);
  }
}

function exprVarNames(e: Expr, out: Set<string>, namesFunction: (t: Term) => boolean): void {
  switch (e.k) {
    case 'term':
      termVarNames(e.term, out);
      break;
    case 'unify':
      termVarNames(e.a, out);
      termVarNames(e.b, out);
      break;
    case 'somein':
      if (e.key !== null) termVarNames(e.key, out);
      termVarNames(e.val, out);
      termVarNames(e.coll, out);
      break;
    case 'every':
      termVarNames(e.coll, out);
      break;
    default:
      return;
  }
  if ('with' in e) for (const w of e.with) if (!namesFunction(w.value)) termVarNames(w.value, out);
}

function resolveWith(ws: With[], scope: Scope): With[] {
  return ws.map((w) => {
    const target = resolveWithTarget(w.target, scope);
    const fn = functionValue(w.value, scope);
    if (fn !== null) return { target, value: { t: 'val', v: null, loc: w.loc }, loc: w.loc, fn };
    return { target, value: resolveTerm(w.value, scope), loc: w.loc };
  });
}

/** The function a `with` value names (`with f as g` / `with count as other_builtin`), if any. */
export function functionValue(t: Term, scope: Scope): CallTarget | null {
  const names = dotted(t);
  if (names === null || scope.lookup(names[0]!) !== undefined) return null;
  const ctx = scope.ctx;
  let path: string[] | null = null;
  if (ctx.ruleNames.has(names[0]!)) path = [...ctx.pkg, ...names];
  else if (names[0] === 'data') path = names.slice(1);
  else if (ctx.imports.has(names[0]!) && ctx.imports.get(names[0]!)![0] === 'data') {
    path = [...ctx.imports.get(names[0]!)!.slice(1), ...names.slice(1)];
  }
  if (path !== null) return ctx.funcArities.has(path.join('.')) ? { kind: 'func', path } : null;
  if (scope.isGlobal(names[0]!)) return null;
  const name = names.join('.');
  return ctx.registry.has(name) ? { kind: 'builtin', name } : null;
}

function resolveWithTarget(t: Term, scope: Scope): Term {
  const r = resolveTerm(t, scope, true);
  if (r.t === 'var' && (r.slot === DATA_SLOT || r.slot === INPUT_SLOT)) return r;
  if (r.t === 'ref' && r.head.t === 'var' && (r.head.slot === DATA_SLOT || r.head.slot === INPUT_SLOT))
    return r;
  // A builtin name used as a `with` target (e.g. `with count as mock`).
  const path = dotted(t);
  if (path !== null) return { t: 'val', v: path.join('.'), loc: t.loc };
  throw compileErr('with target must be input, data or a function', t);
}

function resolveExpr(e: Expr, scope: Scope): Expr {
  switch (e.k) {
    case 'term':
      return { ...e, term: resolveTerm(e.term, scope), with: resolveWith(e.with, scope) };
    case 'unify':
      return {
        ...e,
        a: resolveTerm(e.a, scope),
        b: resolveTerm(e.b, scope),
        with: resolveWith(e.with, scope),
      };
    case 'somein':
      return {
        ...e,
        key: e.key === null ? null : resolveTerm(e.key, scope),
        val: resolveTerm(e.val, scope),
        coll: resolveTerm(e.coll, scope),
        with: resolveWith(e.with, scope),
      };
    case 'every': {
      const coll = resolveTerm(e.coll, scope);
      const inner = new Scope(scope, scope.counter, scope.ctx);
      const names = new Set<string>();
      if (e.key !== null) patternVarNames(e.key, names);
      patternVarNames(e.val, names);
      for (const n of names) if (n !== '_') inner.declare(n);
      const key = e.key === null ? null : resolveTerm(e.key, inner);
      const val = resolveTerm(e.val, inner);
      const body = resolveBody(e.body, inner);
      const out: Expr = { ...e, key, val, coll, body, with: resolveWith(e.with, scope) };
      out.free = freeSlots([...body.flatMap(exprTerms)], inner);
      return out;
    }
    default:
      return e;
  }
}

/** Every term directly in an expression (for free-variable analysis). */
export function exprTerms(e: Expr): Term[] {
  switch (e.k) {
    case 'term':
      return [e.term, ...e.with.map((w) => w.value)];
    case 'unify':
      return [e.a, e.b, ...e.with.map((w) => w.value)];
    case 'somein':
      return e.key === null ? [e.val, e.coll] : [e.key, e.val, e.coll];
    case 'every':
      return [e.coll, ...(e.free ?? []).map((slot) => ({ t: 'var', name: '', slot, loc: e.loc }) as Term)];
    default:
      return [];
  }
}

/** Slots referenced in terms (deeply) that belong to scopes outside `inner`. */
function freeSlots(terms: Term[], inner: Scope): number[] {
  const out = new Set<number>();
  const visit = (t: Term): void => {
    switch (t.t) {
      case 'var':
        if (t.slot >= 0 && !inner.owned.has(t.slot)) out.add(t.slot);
        return;
      case 'acomp':
      case 'scomp':
      case 'ocomp':
        for (const s of t.free ?? []) if (!inner.owned.has(s)) out.add(s);
        return;
      default:
        forEachChild(t, visit);
    }
  };
  terms.forEach(visit);
  return [...out];
}

function dotted(t: Term): string[] | null {
  if (t.t === 'var') return [t.name];
  if (t.t !== 'ref' || t.head.t !== 'var') return null;
  const out = [t.head.name];
  for (const p of t.path) {
    if (p.t !== 'val' || typeof p.v !== 'string') return null;
    out.push(p.v);
  }
  return out;
}

function globalRef(name: string, scope: Scope, loc: Term['loc']): Term | null {
  const ctx: ModuleContext = scope.ctx;
  const seg = (v: string): Term => ({ t: 'val', v, loc });
  if (name === 'input') return { t: 'var', name, slot: INPUT_SLOT, loc };
  if (name === 'data') return { t: 'var', name, slot: DATA_SLOT, loc };
  const imp = ctx.imports.get(name);
  if (imp !== undefined) {
    const head: Term = { t: 'var', name: imp[0]!, slot: imp[0] === 'input' ? INPUT_SLOT : DATA_SLOT, loc };
    return imp.length === 1 ? head : { t: 'ref', head, path: imp.slice(1).map(seg), loc };
  }
  if (ctx.ruleNames.has(name)) {
    return {
      t: 'ref',
      head: { t: 'var', name: 'data', slot: DATA_SLOT, loc },
      path: [...ctx.pkg, name].map(seg),
      loc,
    };
  }
  return null;
}

/** Resolves one term; `noCall` keeps function names as plain refs (for `with` targets). */
export function resolveTerm(t: Term, scope: Scope, noCall = false): Term {
  switch (t.t) {
    case 'val':
      return t;
    case 'var': {
      if (t.name === '_') return { t: 'var', name: '_', slot: scope.wildcard(), loc: t.loc };
      const slot = scope.lookup(t.name);
      if (slot !== undefined) return { t: 'var', name: t.name, slot, loc: t.loc };
      const g = globalRef(t.name, scope, t.loc);
      if (g !== null) return g;
      // Used before its `:=` declaration in this body: remembered to report it at the `:=`.
      (usedBefore.get(scope) ?? usedBefore.set(scope, new Set()).get(scope)!).add(t.name);
      return { t: 'var', name: t.name, slot: scope.declare(t.name), loc: t.loc };
    }
    case 'ref': {
      const head = resolveTerm(t.head, scope, noCall);
      const path = t.path.map((p) => resolveTerm(p, scope));
      if (head.t === 'ref') return { t: 'ref', head: head.head, path: [...head.path, ...path], loc: t.loc };
      return { t: 'ref', head, path, loc: t.loc };
    }
    case 'arr':
      return { t: 'arr', items: t.items.map((x) => resolveTerm(x, scope)), loc: t.loc };
    case 'set':
      return { t: 'set', items: t.items.map((x) => resolveTerm(x, scope)), loc: t.loc };
    case 'obj':
      return {
        t: 'obj',
        items: t.items.map(([k, v]) => [resolveTerm(k, scope), resolveTerm(v, scope)] as [Term, Term]),
        loc: t.loc,
      };
    case 'call':
      return resolveCall(t, scope);
    case 'acomp':
    case 'scomp':
    case 'ocomp': {
      const inner = new Scope(scope, scope.counter, scope.ctx);
      const heads = t.t === 'ocomp' ? [t.key, t.val] : [t.head];
      const body = resolveBody(t.body, inner, heads);
      const rh = heads.map((h) => resolveTerm(h, inner));
      const out: Term =
        t.t === 'ocomp'
          ? { t: 'ocomp', key: rh[0]!, val: rh[1]!, body, loc: t.loc }
          : { t: t.t, head: rh[0]!, body, loc: t.loc };
      (out as { free?: number[] }).free = freeSlots([...rh, ...body.flatMap(exprTerms)], inner);
      return out;
    }
  }
}

function resolveCall(t: Extract<Term, { t: 'call' }>, scope: Scope): Term {
  const names = dotted(t.fn);
  if (names === null) throw compileErr('call of a non-function', t);
  const args = t.args.map((a) => resolveTerm(a, scope));
  const head = names[0]!;
  const ctx = scope.ctx;
  let path: string[] | null = null;
  if (scope.lookup(head) === undefined) {
    if (ctx.ruleNames.has(head)) path = [...ctx.pkg, ...names];
    else if (ctx.imports.has(head)) {
      const imp = ctx.imports.get(head)!;
      if (imp[0] === 'data') path = [...imp.slice(1), ...names.slice(1)];
    } else if (head === 'data') path = names.slice(1);
  }
  if (path !== null) return { t: 'call', fn: t.fn, args, loc: t.loc, target: { kind: 'func', path } };
  const name = names.join('.');
  const def = ctx.registry.get(name);
  if (def === undefined) throw new PolicyError('rego_type_error', `undefined function ${name}`, t.loc);
  if (def.arity >= 0 && args.length !== def.arity && args.length !== def.arity + 1) {
    throw new PolicyError(
      'rego_type_error',
      `${name}: arity mismatch: have ${args.length}, want ${def.arity}`,
      t.loc,
    );
  }
  return { t: 'call', fn: t.fn, args, loc: t.loc, target: { kind: 'builtin', name } };
}
