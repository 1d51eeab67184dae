import type { ObjectV, Value } from '../value/index.js';
import type { Loc } from './errors.js';

/** A Rego term. Variables carry a slot index once the compiler has resolved them. */
export type Term =
  | { readonly t: 'val'; readonly v: Value; readonly loc: Loc }
  | { t: 'var'; name: string; slot: number; readonly loc: Loc }
  | { readonly t: 'ref'; head: Term; readonly path: Term[]; readonly loc: Loc }
  | { readonly t: 'arr'; readonly items: Term[]; readonly loc: Loc }
  | { readonly t: 'set'; readonly items: Term[]; readonly loc: Loc }
  | { readonly t: 'obj'; readonly items: [Term, Term][]; readonly loc: Loc }
  | {
      readonly t: 'call';
      fn: Term;
      readonly args: Term[];
      readonly loc: Loc;
      target?: CallTarget;
      /** Set by the compiler for calls whose value depends only on where they are written. */
      constant?: Value;
    }
  | { readonly t: 'acomp'; readonly head: Term; body: Body; readonly loc: Loc; free?: number[] }
  | { readonly t: 'scomp'; readonly head: Term; body: Body; readonly loc: Loc; free?: number[] }
  | {
      readonly t: 'ocomp';
      readonly key: Term;
      readonly val: Term;
      body: Body;
      readonly loc: Loc;
      free?: number[];
    };

/** Slot marker of the `data` root in a resolved ref head. */
export const DATA_SLOT = -2;
/** Slot marker of the `input` root in a resolved ref head. */
export const INPUT_SLOT = -3;

/** What a call resolves to after compilation: a builtin or a user function at a data path. */
export type CallTarget =
  | { readonly kind: 'builtin'; readonly name: string }
  | { readonly kind: 'func'; readonly path: readonly string[] };

/** A `with` modifier: `with target as value`. */
export interface With {
  readonly target: Term;
  readonly value: Term;
  readonly loc: Loc;
  /** Set when the value names a function (`with count as my_count`): the replacement. */
  readonly fn?: CallTarget;
}

/** One literal (expression) of a body. */
export type Expr =
  | {
      readonly k: 'term';
      readonly term: Term;
      readonly neg: boolean;
      readonly with: With[];
      readonly loc: Loc;
    }
  | {
      readonly k: 'unify';
      readonly a: Term;
      readonly b: Term;
      readonly neg: boolean;
      readonly with: With[];
      readonly loc: Loc;
      readonly assign: boolean;
    }
  | { readonly k: 'some'; readonly vars: Term[]; readonly loc: Loc }
  | {
      readonly k: 'somein';
      readonly key: Term | null;
      readonly val: Term;
      readonly coll: Term;
      readonly loc: Loc;
      readonly with: With[];
    }
  | {
      readonly k: 'every';
      readonly key: Term | null;
      readonly val: Term;
      readonly coll: Term;
      body: Body;
      readonly loc: Loc;
      readonly neg: boolean;
      free?: number[];
      readonly with: With[];
    };

/** A rule or query body: literals evaluated in order (after the compiler reorders for safety). */
export type Body = Expr[];

/** Rule kinds after parsing. */
export type RuleKind = 'complete' | 'contains' | 'func';

/** A rule, possibly with an `else` chain. */
export interface Rule {
  kind: RuleKind;
  /** Head reference relative to data: package path plus the rule's own ref. */
  ref: Term[];
  /** Function arguments (functions only). */
  readonly args: Term[] | null;
  /** The key for `contains` rules. */
  readonly key: Term | null;
  /** The value (true when omitted). */
  value: Term;
  body: Body;
  readonly isDefault: boolean;
  readonly elseRule: Rule | null;
  readonly loc: Loc;
  /** Number of variable slots the body needs (set by the compiler). */
  slots: number;
  /** The module this rule belongs to. */
  readonly module: Module;
  /** True when the value was written with `:=`. */
  readonly assign: boolean;
  /** The rule's `# METADATA` annotations, if any. */
  readonly annotations?: ObjectV;
}

/** An import: the imported ref path and its alias. */
export interface Import {
  readonly path: Term;
  readonly alias: string;
  readonly loc: Loc;
}

/** One parsed policy file. */
export interface Module {
  readonly file: string;
  readonly pkg: readonly string[];
  readonly imports: Import[];
  readonly rules: Rule[];
  readonly v1: boolean;
  /** The package's `# METADATA` annotations, if any. */
  readonly annotations?: ObjectV;
}
