import type { BuiltinRegistry } from '../builtins/index.js';
import type { Body, Expr, Import } from './ast.js';
import { callArity, orderNested } from './compile.js';
import { orderBody } from './compile-order.js';
import { resolveBody } from './compile-resolve.js';
import { Scope } from './compile-scope.js';
import { parseQuery, refToPath } from './parser-module.js';
import type { RuleTree } from './rule-tree.js';

/** A compiled query: its ordered body, slot count, named variables and expression texts. */
export interface CompiledQuery {
  readonly body: Body;
  readonly slots: number;
  /** User-visible variables (name → slot), in first-appearance order. */
  readonly vars: ReadonlyMap<string, number>;
  /** Index of each ordered expression in the written query. */
  readonly index: ReadonlyMap<Expr, number>;
  /** Source text of each written expression. */
  readonly texts: readonly string[];
}

/** Compiles a query against the rule tree (names resolve to data, input and builtins). */
export function compileQuery(
  src: string,
  registry: BuiltinRegistry,
  tree: RuleTree,
  imports: readonly Import[] = [],
): CompiledQuery {
  const { body, texts } = parseQuery(src);
  const imp = new Map<string, readonly string[]>();
  for (const i of imports) imp.set(i.alias, refToPath(i.path)!);
  const scope = new Scope(
    null,
    { n: 0 },
    {
      pkg: [],
      ruleNames: new Set(),
      imports: imp,
      registry,
      funcArities: new Map(),
    },
  );
  const resolved = resolveBody(body, scope);
  const index = new Map<Expr, number>();
  for (const [i, e] of resolved.entries()) index.set(e, i);
  const names = (slot: number): string => {
    for (const [n, s] of scope.ownVars()) if (s === slot) return n;
    return `$${slot}`;
  };
  const arity = callArity(registry, tree);
  const ordered = orderNested(
    orderBody(resolved, new Set(), scope.wildcards, arity, names),
    scope.wildcards,
    arity,
    names,
  );
  const vars = new Map<string, number>();
  for (const [n, s] of scope.ownVars()) if (!n.startsWith('$')) vars.set(n, s);
  return { body: ordered, slots: scope.counter.n, vars, index, texts };
}
