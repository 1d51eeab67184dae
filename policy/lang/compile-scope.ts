import type { BuiltinRegistry } from '../builtins/index.js';
import type { Term } from './ast.js';

/** What the resolver knows about the module being compiled. */
export interface ModuleContext {
  /** The package path (without `data`). */
  readonly pkg: readonly string[];
  /** First names of the rules defined in this package (across every module of the package). */
  readonly ruleNames: ReadonlySet<string>;
  /** Import aliases → the imported path (starting with `data` or `input`). */
  readonly imports: ReadonlyMap<string, readonly string[]>;
  readonly registry: BuiltinRegistry;
  /** Arity of every user function, keyed by its data path joined with '.'. */
  readonly funcArities: ReadonlyMap<string, number>;
}

/** Allocates variable slots for one rule (or query); scopes nest for comprehensions and `every`. */
export class Scope {
  private readonly vars = new Map<string, number>();
  /** Slots created in this scope and its descendants. */
  readonly owned = new Set<number>();
  /** Slots that came from `_`: local wherever they appear, never required to be bound. */
  readonly wildcards: Set<number>;

  constructor(
    readonly parent: Scope | null,
    readonly counter: { n: number },
    readonly ctx: ModuleContext,
  ) {
    this.wildcards = parent?.wildcards ?? new Set();
  }

  /** The slot of a visible variable, or undefined. */
  lookup(name: string): number | undefined {
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Declares a variable in this scope (shadowing outer ones). */
  declare(name: string): number {
    const slot = this.fresh();
    this.vars.set(name, slot);
    return slot;
  }

  /** Variables declared in this very scope, name → slot. */
  ownVars(): ReadonlyMap<string, number> {
    return this.vars;
  }

  /** True when the name is declared in this very scope. */
  hasOwn(name: string): boolean {
    return this.vars.has(name);
  }

  /** A new anonymous slot. */
  fresh(): number {
    const slot = this.counter.n++;
    for (let s: Scope | null = this; s !== null; s = s.parent) s.owned.add(slot);
    return slot;
  }

  /** A new wildcard slot. */
  wildcard(): number {
    const s = this.fresh();
    this.wildcards.add(s);
    return s;
  }

  /** True when a bare name denotes something global (root document, import, rule of the package). */
  isGlobal(name: string): boolean {
    return name === 'input' || name === 'data' || this.ctx.imports.has(name) || this.ctx.ruleNames.has(name);
  }
}

/** Names of variables appearing in a term, not descending into comprehensions. */
export function termVarNames(t: Term, out: Set<string>): void {
  switch (t.t) {
    case 'var':
      out.add(t.name);
      return;
    case 'ref':
      termVarNames(t.head, out);
      for (const p of t.path) termVarNames(p, out);
      return;
    case 'arr':
    case 'set':
      for (const x of t.items) termVarNames(x, out);
      return;
    case 'obj':
      for (const [k, v] of t.items) {
        termVarNames(k, out);
        termVarNames(v, out);
      }
      return;
    case 'call':
      for (const a of t.args) termVarNames(a, out);
      return;
    default:
      return;
  }
}

/** Names of variables in pattern positions of a term (what `:=` declares). */
export function patternVarNames(t: Term, out: Set<string>): void {
  if (t.t === 'var') out.add(t.name);
  else if (t.t === 'arr') for (const x of t.items) patternVarNames(x, out);
  else if (t.t === 'obj') for (const [, v] of t.items) patternVarNames(v, out);
}
