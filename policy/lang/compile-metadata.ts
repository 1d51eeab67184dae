import { ObjectV, type Value } from '../value/index.js';
import { scopeOf } from './annotations.js';
import type { Body, Module, Rule, Term } from './ast.js';

/** `rego.metadata.rule`: its value depends on the rule it is written in. */
export const METADATA_RULE = 'rego.metadata.rule';
/** `rego.metadata.chain`: likewise. */
export const METADATA_CHAIN = 'rego.metadata.chain';

function visitTerm(t: Term, fn: (t: Extract<Term, { t: 'call' }>) => void): void {
  switch (t.t) {
    case 'ref':
      visitTerm(t.head, fn);
      for (const p of t.path) visitTerm(p, fn);
      return;
    case 'arr':
    case 'set':
      for (const x of t.items) visitTerm(x, fn);
      return;
    case 'obj':
      for (const [k, v] of t.items) {
        visitTerm(k, fn);
        visitTerm(v, fn);
      }
      return;
    case 'call':
      fn(t);
      for (const a of t.args) visitTerm(a, fn);
      return;
    case 'acomp':
    case 'scomp':
      visitTerm(t.head, fn);
      visitBody(t.body, fn);
      return;
    case 'ocomp':
      visitTerm(t.key, fn);
      visitTerm(t.val, fn);
      visitBody(t.body, fn);
      return;
    default:
      return;
  }
}

function visitBody(body: Body, fn: (t: Extract<Term, { t: 'call' }>) => void): void {
  for (const e of body) {
    if (e.k === 'term') visitTerm(e.term, fn);
    else if (e.k === 'unify') {
      visitTerm(e.a, fn);
      visitTerm(e.b, fn);
    } else if (e.k === 'somein') {
      visitTerm(e.coll, fn);
    } else if (e.k === 'every') {
      visitTerm(e.coll, fn);
      visitBody(e.body, fn);
    }
    if ('with' in e) for (const w of e.with) visitTerm(w.value, fn);
  }
}

function rulePath(r: Rule): string[] {
  const out = [...r.module.pkg];
  for (const t of r.ref) {
    if (t.t !== 'val' || typeof t.v !== 'string') break;
    out.push(t.v);
  }
  return out;
}

/**
 * Gives each `rego.metadata.rule()` / `rego.metadata.chain()` call its value, which depends only
 * on the rule it is written in: the rule's annotations, then document-, package- and
 * subpackages-scoped ones up the package path (OPA's order).
 */
export function bindMetadata(modules: readonly Module[], rules: readonly Rule[]): void {
  const pkgAnn = new Map<string, ObjectV[]>();
  for (const m of modules) {
    if (m.annotations === undefined) continue;
    const key = m.pkg.join('.');
    pkgAnn.set(key, [...(pkgAnn.get(key) ?? []), m.annotations]);
  }
  const docAnn = new Map<string, ObjectV>();
  for (const r of rules) {
    if (r.annotations !== undefined && scopeOf(r.annotations) === 'document')
      docAnn.set(rulePath(r).join('.'), r.annotations);
  }
  const entry = (path: readonly string[], a?: ObjectV): Value => {
    const o = ObjectV.from([['path', [...path]]]);
    if (a !== undefined) o.set('annotations', a);
    return o;
  };
  for (const rule of rules) {
    const path = rulePath(rule);
    const own =
      rule.annotations !== undefined && scopeOf(rule.annotations) === 'rule' ? rule.annotations : undefined;
    const chain: Value[] = [entry(path, own)];
    const doc = docAnn.get(path.join('.'));
    if (doc !== undefined) chain.push(entry(path, doc));
    const pkg = rule.module.pkg;
    for (let n = pkg.length; n > 0; n--) {
      for (const a of pkgAnn.get(pkg.slice(0, n).join('.')) ?? []) {
        const s = scopeOf(a);
        if ((n === pkg.length && s === 'package') || s === 'subpackages')
          chain.push(entry(pkg.slice(0, n), a));
      }
    }
    for (let cur: Rule | null = rule; cur !== null; cur = cur.elseRule) {
      const visit = (t: Extract<Term, { t: 'call' }>): void => {
        if (t.target?.kind !== 'builtin') return;
        if (t.target.name === METADATA_RULE) t.constant = own ?? new ObjectV();
        else if (t.target.name === METADATA_CHAIN) t.constant = chain;
      };
      visitBody(cur.body, visit);
      visitTerm(cur.value, visit);
      if (cur.key !== null) visitTerm(cur.key, visit);
    }
  }
}
