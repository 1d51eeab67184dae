import type { RuleNode } from '../lang/rule-tree.js';
import { Dec, ObjectV, type Value } from '../value/index.js';
import { UNDEF } from './frame.js';
import { valueId } from './intern.js';

/**
 * Most results remembered per function; beyond it the oldest is forgotten. Calls whose
 * arguments come from each request's input are new every time and would otherwise grow the
 * table without bound.
 */
export const CALL_MEMO_ENTRIES_PER_FUNCTION = 512;

/**
 * Most results remembered in all, and most characters of their keys: past either the memo
 * starts over. Together with {@link CALL_MEMO_MAX_KEY_CHARS} they bound its memory whatever the
 * requests carry.
 */
export const CALL_MEMO_MAX_ENTRIES = 8192;
/** See {@link CALL_MEMO_MAX_ENTRIES}. */
export const CALL_MEMO_MAX_CHARS = 4 * 1024 * 1024;
/** Calls whose key is longer than this are evaluated every time, not remembered. */
export const CALL_MEMO_MAX_KEY_CHARS = 16 * 1024;

/**
 * A memo key for one argument: scalars by value, composites by an id that equal values share
 * (see {@link valueId}). Keys are self-delimiting (strings length-prefixed, the rest
 * NUL-terminated), so a list of them joined without separators names one argument list only.
 */
export function argKey(v: Value): string {
  if (typeof v === 'string') return `s${v.length}:${v}`;
  if (v === null) return 'z\u0000';
  if (typeof v === 'boolean') return v ? 't\u0000' : 'f\u0000';
  if (typeof v === 'bigint') return `i${v}\u0000`;
  if (v instanceof Dec) return `d${v.m}e${v.s}\u0000`;
  return `#${valueId(v)}\u0000`;
}

/**
 * The key of the input a rule reads: for each path, the value there (`u` when a key on the way
 * is missing, so that every ref through it is undefined), or the value where the path stops
 * being an object and how far it got (a set or an array answers the rest itself).
 */
export function inputKey(input: Value | undefined, paths: readonly (readonly string[])[]): string {
  let key = '';
  for (const p of paths) {
    let v: Value | undefined = input;
    let i = 0;
    while (i < p.length && v instanceof ObjectV) v = v.getStr(p[i++]!);
    if (v === undefined) key += 'u\u0000';
    else key += (i < p.length ? `p${i}\u0000` : '') + argKey(v);
  }
  return key;
}

/** The key of a call's arguments at the given positions. */
export function callKey(positions: readonly number[], args: readonly Value[]): string {
  let key = '';
  for (let i = 0; i < positions.length; i++) key += argKey(args[positions[i]!]!);
  return key;
}

type Table = Map<RuleNode, Map<string, Value | typeof UNDEF>>;

/**
 * Results of calls of functions whose value depends only on their arguments, the policy and the
 * base data (RuleNode.callKey), and values of rules that depend only on the input paths they
 * read, the policy and the base data (RuleNode.inputKey), kept across evaluations. An engine
 * holds one per policy and data: it starts a new one whenever either changes, so nothing here
 * outlives what it was computed from. Results under strict builtin errors are kept apart (an
 * error there is undefined otherwise); errors are never kept, so what failed runs again.
 */
export class CallMemo {
  private readonly tables: [Table, Table] = [new Map(), new Map()];
  private entries = 0;
  private chars = 0;

  /** The remembered result (UNDEF: undefined), or undefined when none. */
  get(node: RuleNode, strict: boolean, key: string): Value | typeof UNDEF | undefined {
    return this.tables[strict ? 1 : 0].get(node)?.get(key);
  }

  /** Remembers a result (undefined: the call had none), unless its key is too long. */
  set(node: RuleNode, strict: boolean, key: string, v: Value | undefined): void {
    if (key.length > CALL_MEMO_MAX_KEY_CHARS) return;
    if (this.entries >= CALL_MEMO_MAX_ENTRIES || this.chars + key.length > CALL_MEMO_MAX_CHARS) {
      this.tables[0].clear();
      this.tables[1].clear();
      this.entries = 0;
      this.chars = 0;
    }
    const table = this.tables[strict ? 1 : 0];
    let m = table.get(node);
    if (m === undefined) table.set(node, (m = new Map()));
    else if (m.size >= CALL_MEMO_ENTRIES_PER_FUNCTION) {
      const oldest = m.keys().next().value!;
      m.delete(oldest);
      this.entries--;
      this.chars -= oldest.length;
    }
    if (!m.has(key)) {
      this.entries++;
      this.chars += key.length;
    }
    m.set(key, v === undefined ? UNDEF : v);
  }

  /** How many results are remembered, and the characters of their keys (for tests). */
  get size(): { readonly entries: number; readonly chars: number } {
    return { entries: this.entries, chars: this.chars };
  }
}
