import type { Loc } from './errors.js';

/** Token kinds produced by the lexer. */
export type TokKind = 'ident' | 'string' | 'number' | 'punct' | 'template' | 'eof';

/** One token; `nl` tells whether a newline separates it from the previous token. */
export interface Token {
  readonly kind: TokKind;
  /** Identifier name, punctuation text, number literal text, or decoded string value. */
  readonly text: string;
  readonly loc: Loc;
  readonly nl: boolean;
  /** Offset of the token's first character in the source. */
  readonly pos: number;
  /** Offset just past the token. */
  readonly end: number;
  /** True for raw (backquoted) strings. */
  readonly raw?: boolean;
  /** The YAML of a `# METADATA` comment block written just before this token. */
  readonly meta?: string;
  /** For template strings (`$"a {x} b"`): literal text and embedded expression sources. */
  readonly parts?: readonly TemplatePart[];
}

/** One piece of a template string: literal text, or an expression's source and position. */
export type TemplatePart =
  | { readonly lit: string }
  | { readonly src: string; readonly row: number; readonly col: number };

/** Where a nested source (a template expression) starts in its file. */
export interface LexBase {
  readonly row: number;
  readonly col: number;
}

/** Punctuation, longest first so the lexer matches greedily. */
export const PUNCTUATION: readonly string[] = [
  ':=',
  '==',
  '!=',
  '<=',
  '>=',
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  '.',
  ',',
  ';',
  ':',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '|',
  '&',
];

/** Words with a fixed meaning in Rego v1 (and v0 with the future keywords). */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'package',
  'import',
  'as',
  'default',
  'else',
  'not',
  'with',
  'some',
  'in',
  'every',
  'if',
  'contains',
  'true',
  'false',
  'null',
]);
