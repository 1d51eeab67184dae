import { ObjectV, type Value } from '../value/index.js';
import { scopeOf } from './annotations.js';
import type { Module, Rule } from './ast.js';
import { forEachRuleTerm } from './term-walk.js';

/** `rego.metadata.rule`: its value depends on the rule it is written in. */
export const METADATA_RULE = 'rego.metadata.rule';
/** `rego.metadata.chain`: likewise. */
export const METADATA_CHAIN = 'rego.metadata.chain';

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
    forEachRuleTerm(rule, (t) => {
      if (t.t !== 'call' || t.target?.kind !== 'builtin') return true;
      if (t.target.name === METADATA_RULE) t.constant = own ?? new ObjectV();
      else if (t.target.name === METADATA_CHAIN) t.constant = chain;
      return true;
    });
  }
}
