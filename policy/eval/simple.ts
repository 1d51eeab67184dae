import { DATA_SLOT, INPUT_SLOT, type Term } from '../lang/ast.js';
import type { Value } from '../value/index.js';
import type { Evaluator } from './evaluator.js';
import type { Frame } from './frame.js';
import { constantOf, constantRule, lookup, ruleAt } from './literals.js';

// What a term reads without evaluation work: the operand reader that calls, array literals and
// `some x in` try before building a continuation (Evaluator.simpleValue delegates here).

/** The value of a term that has exactly one value without evaluation work, else undefined. */
export function simpleValueOf(ev: Evaluator, t: Term, f: Frame): Value | undefined {
  switch (t.t) {
    case 'val':
      return t.v;
    case 'var':
      return t.slot >= 0 ? f[t.slot] : undefined;
    case 'arr':
    case 'set':
    case 'obj':
      return constantOf(t);
    case 'ref': {
      // `a.b[c]` on a bound variable or the input, with known keys: plain lookups. Anything
      // else (data, iteration, a missing key) takes the general path.
      const h = t.head;
      if (h.t !== 'var') return undefined;
      let v: Value | undefined;
      let i = 0;
      if (h.slot >= 0) v = f[h.slot];
      else if (h.slot === INPUT_SLOT) v = ev.input;
      else if (h.slot === DATA_SLOT && ev.dataOverrides === null) {
        // `data.pkg.rule.x` where the rule was already evaluated in this evaluation: its memo.
        const at = ruleAt(ev.tree, t);
        if (at === null) return undefined;
        const m = ev.memo.get(at.node);
        if (m === undefined || typeof m === 'symbol') {
          v = constantRule(at.node);
          if (v === undefined) return undefined;
        } else v = m;
        i = at.from;
      }
      for (; v !== undefined && i < t.path.length; i++) {
        const seg = t.path[i]!;
        const key = seg.t === 'val' ? seg.v : seg.t === 'var' && seg.slot >= 0 ? f[seg.slot] : undefined;
        v = key === undefined ? undefined : lookup(v, key);
      }
      return v;
    }
    default:
      return undefined;
  }
}
