import type { CallTarget, Term, With } from '../lang/ast.js';
import { DATA_SLOT, INPUT_SLOT } from '../lang/ast.js';
import { PolicyError } from '../lang/errors.js';
import type { RuleNode, RuleTree } from '../lang/rule-tree.js';
import type { Value } from '../value/index.js';
import { setPath } from './docs.js';
import type { Cont, PENDING, UNDEF } from './frame.js';

/** The parts of an evaluator a `with` modifier replaces. */
export interface WithState {
  input: Value | undefined;
  memo: Map<RuleNode, Value | typeof UNDEF | typeof PENDING>;
  fnMemo: Map<RuleNode, Map<string, Value | typeof UNDEF>>;
  dataOverrides: Map<string, Value> | null;
  mocks: Map<string, Mock> | null;
  readonly tree: RuleTree;
}

/** A `with` replacement of a function: a constant result or another function. */
export type Mock = { readonly value: Value } | { readonly target: CallTarget };

type Snapshot = Pick<WithState, 'input' | 'memo' | 'fnMemo' | 'dataOverrides' | 'mocks'>;

function snap(s: WithState): Snapshot {
  return { input: s.input, memo: s.memo, fnMemo: s.fnMemo, dataOverrides: s.dataOverrides, mocks: s.mocks };
}

function restore(s: WithState, x: Snapshot): void {
  s.input = x.input;
  s.memo = x.memo;
  s.fnMemo = x.fnMemo;
  s.dataOverrides = x.dataOverrides;
  s.mocks = x.mocks;
}

function strPath(t: Term): string[] | null {
  if (t.t !== 'ref') return [];
  const out: string[] = [];
  for (const p of t.path) {
    if (p.t !== 'val' || typeof p.v !== 'string') return null;
    out.push(p.v);
  }
  return out;
}

/**
 * Runs `inner` with the modifiers applied; the rest of the body (`k`) runs with the outer state,
 * so a `with` affects only its own expression.
 */
export function applyWith(
  s: WithState,
  ws: readonly With[],
  values: readonly Value[],
  run: (k: Cont) => boolean,
  k: Cont,
): boolean {
  const outer = snap(s);
  const next: Snapshot = { ...outer, memo: new Map(), fnMemo: new Map() };
  ws.forEach((w, i) => {
    const v = values[i]!;
    const t = w.target;
    const root = t.t === 'var' ? t.slot : t.t === 'ref' && t.head.t === 'var' ? t.head.slot : 0;
    const path = strPath(t);
    if (t.t === 'val' && typeof t.v === 'string') {
      next.mocks = new Map(next.mocks ?? []);
      next.mocks.set(t.v, w.fn ? { target: w.fn } : { value: v });
      return;
    }
    if (path === null)
      throw new PolicyError('rego_compile_error', 'with target path must be constant', w.loc);
    if (root === INPUT_SLOT) {
      next.input = setPath(next.input, path, v);
    } else if (root === DATA_SLOT) {
      const node = s.tree.find(path);
      if (node !== undefined && node.funcs.length > 0) {
        next.mocks = new Map(next.mocks ?? []);
        next.mocks.set(`data.${path.join('.')}`, w.fn ? { target: w.fn } : { value: v });
        return;
      }
      next.dataOverrides = new Map(next.dataOverrides ?? []);
      next.dataOverrides.set(path.join('\u0000'), v);
    }
  });
  restore(s, next);
  try {
    return run(() => {
      const inside = snap(s);
      restore(s, outer);
      try {
        return k();
      } finally {
        restore(s, inside);
      }
    });
  } finally {
    restore(s, outer);
  }
}
