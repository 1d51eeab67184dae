import type { BuiltinRegistry } from '../builtins/index.js';
import type { Body, Expr, Module, Rule, Term } from './ast.js';
import { bindMetadata } from './compile-metadata.js';
import { allSlots, slotNames as collectSlotNames, inputs, orderBody } from './compile-order.js';
import { markMemoisable } from './compile-purity.js';
import { checkRecursion } from './compile-recursion.js';
import { exprTerms, resolveBody, resolveTerm } from './compile-resolve.js';
import { type ModuleContext, patternVarNames, Scope, termVarNames } from './compile-scope.js';
import { PolicyError } from './errors.js';
import { refToPath } from './parser-module.js';
import { RuleTree } from './rule-tree.js';
import { forEachChild } from './term-children.js';

/** Compiles parsed modules into a rule tree (names resolved, bodies ordered, safety checked). */
export function compileModules(modules: readonly Module[], registry: BuiltinRegistry): RuleTree {
  const namesByPkg = new Map<string, Set<string>>();
  for (const m of modules) {
    const key = m.pkg.join('.');
    let s = namesByPkg.get(key);
    if (s === undefined) namesByPkg.set(key, (s = new Set()));
    for (const r of m.rules) {
      const first = r.ref[0];
      if (first?.t === 'val' && typeof first.v === 'string') s.add(first.v);
    }
  }
  const funcArities = new Map<string, number>();
  for (const m of modules) {
    for (const r of m.rules) {
      if (r.args === null) continue;
      const names = r.ref.map((t) => (t.t === 'val' && typeof t.v === 'string' ? t.v : '?'));
      funcArities.set([...m.pkg, ...names].join('.'), r.args.length);
    }
  }
  const tree = new RuleTree();
  const compiled: Rule[] = [];
  // A package exists (as an empty object) even when it has no rules.
  for (const m of modules) tree.node(m.pkg);
  for (const m of modules) {
    const imports = new Map<string, readonly string[]>();
    for (const i of m.imports) imports.set(i.alias, refToPath(i.path)!);
    const ctx: ModuleContext = {
      pkg: m.pkg,
      ruleNames: namesByPkg.get(m.pkg.join('.'))!,
      imports,
      registry,
      funcArities,
    };
    for (const r of m.rules) {
      const c = compileRule(r, ctx);
      compiled.push(c);
      tree.add(c);
    }
  }
  tree.check();
  checkRecursion(tree);
  markMemoisable(tree, registry);
  bindMetadata(modules, compiled);
  return tree;
}

/** Arity of a resolved call's target, for telling an output operand from an input. */
export function callArity(registry: BuiltinRegistry, funcs: ReadonlyMap<string, number> | RuleTree) {
  return (t: Term): number => {
    if (t.t !== 'call' || t.target === undefined) return -1;
    if (t.target.kind === 'builtin') return registry.get(t.target.name)?.arity ?? -1;
    const fr =
      funcs instanceof RuleTree ? funcs.funcArity(t.target.path) : funcs.get(t.target.path.join('.'));
    return fr ?? t.args.length;
  };
}

/** Compiles one rule and its else chain. */
export function compileRule(rule: Rule, ctx: ModuleContext): Rule {
  rule = liftComputedArgs(rule);
  const counter = { n: 0 };
  const scope = new Scope(null, counter, ctx);
  const slotNames = new Map<number, string>();
  const argNames = new Set<string>();
  for (const a of rule.args ?? []) patternVarNames(a, argNames);
  for (const n of argNames) if (n !== '_') slotNames.set(scope.declare(n), n);
  const args = rule.args?.map((a) => resolveTerm(a, scope)) ?? null;
  const argSlots: number[] = [];
  for (const a of args ?? []) allSlots(a, argSlots);
  const compileOne = (r: Rule): Rule => {
    const s = new Scope(scope, counter, ctx);
    const heads = [r.value, ...(r.key ? [r.key] : []), ...r.ref.slice(1)];
    const body = resolveBody(r.body, s, heads);
    const value = resolveTerm(r.value, s);
    const key = r.key === null ? null : resolveTerm(r.key, s);
    const ref = r.ref.map((x, i) => (i === 0 ? x : resolveTerm(x, s)));
    const arity = callArity(ctx.registry, ctx.funcArities);
    const known = collectSlotNames([
      value,
      ...(key ? [key] : []),
      ...ref.slice(1),
      ...(args ?? []),
      ...body.flatMap(exprTerms),
    ]);
    const names = (slot: number): string => known.get(slot) ?? `$${slot}`;
    const bound = new Set<number>(argSlots);
    const ordered = orderNested(orderBody(body, bound, s.wildcards, arity, names), s.wildcards, arity, names);
    const headSlots: number[] = [];
    // Head terms may iterate (`q := xs[_]`); only what they read must be bound by the body.
    for (const t of [value, ...(key ? [key] : []), ...ref.slice(1)]) inputs(t, headSlots);
    for (const sl of headSlots) {
      if (!bound.has(sl)) {
        throw new PolicyError('rego_unsafe_var_error', `var ${names(sl)} is unsafe`, r.loc);
      }
    }
    return {
      ...r,
      args,
      key,
      value,
      ref,
      body: ordered,
      elseRule: r.elseRule === null ? null : compileOne(r.elseRule),
      module: r.module,
    };
  };
  const out = compileOne(rule);
  const setSlots = (r: Rule): void => {
    r.slots = counter.n;
    if (r.elseRule) setSlots(r.elseRule);
  };
  setSlots(out);
  return out;
}

/** Orders comprehension and `every` bodies inside an already ordered body (in place). */
export function orderNested(
  body: Body,
  wild: ReadonlySet<number>,
  arity: (t: Term) => number,
  names: (s: number) => string,
): Body {
  const visitTerm = (t: Term): void => {
    switch (t.t) {
      case 'acomp':
      case 'scomp':
      case 'ocomp': {
        const bound = new Set(t.free ?? []);
        t.body = orderNested(orderBody(t.body, bound, wild, arity, names), wild, arity, names);
        const hs: number[] = [];
        if (t.t === 'ocomp') {
          allSlots(t.key, hs);
          allSlots(t.val, hs);
        } else allSlots(t.head, hs);
        for (const s of hs) {
          if (!bound.has(s))
            throw new PolicyError('rego_unsafe_var_error', `var ${names(s)} is unsafe`, t.loc);
        }
        return;
      }
      default:
        forEachChild(t, visitTerm);
    }
  };
  for (const e of body) {
    for (const t of exprTerms(e)) visitTerm(t);
    if (e.k === 'every') {
      const bound = new Set(e.free ?? []);
      const kv: number[] = [];
      if (e.key) allSlots(e.key, kv);
      allSlots(e.val, kv);
      for (const s of kv) bound.add(s);
      e.body = orderNested(orderBody(e.body, bound, wild, arity, names), wild, arity, names);
    }
    if ('with' in e) for (const w of e.with) visitTerm(w.value);
  }
  return body;
}

export { termVarNames };

function isPattern(t: Term): boolean {
  if (t.t === 'var' || t.t === 'val') return true;
  if (t.t === 'arr') return t.items.every(isPattern);
  if (t.t === 'obj') return t.items.every(([k, v]) => k.t === 'val' && isPattern(v));
  return false;
}

/**
 * Function arguments that must be computed (`f($"{x}")`, `f(a + 1)`) become fresh variables
 * unified in the body, as OPA rewrites them, so the body can bind what they read.
 */
function liftComputedArgs(rule: Rule): Rule {
  if (rule.args === null || rule.args.every(isPattern)) return rule;
  const lifted: Expr[] = [];
  const args = rule.args.map((a, i) => {
    if (isPattern(a)) return a;
    const v: Term = { t: 'var', name: `$arg${i}`, slot: -1, loc: a.loc };
    lifted.push({ k: 'unify', a: v, b: a, neg: false, with: [], loc: a.loc, assign: false });
    return v;
  });
  const withBody = (r: Rule): Rule => ({
    ...r,
    args,
    body: [...lifted, ...r.body],
    elseRule: r.elseRule === null ? null : withBody(r.elseRule),
  });
  return withBody(rule);
}
