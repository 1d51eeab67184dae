import type { RuleNode } from '../lang/rule-tree.js';
import { Dec, ObjectV, type SetV, type Value } from '../value/index.js';
import { UNDEF } from './frame.js';

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
 * Most distinct composite values given one id by their content (see {@link argKey}); beyond it
 * the table starts over, which only stops later copies from sharing the ids of earlier ones.
 */
export const INTERNED_VALUES_MAX = 8192;
/** Most characters of content those ids are kept under; past it the table starts over too. */
export const INTERNED_CHARS_MAX = 4 * 1024 * 1024;

/** Composites deeper than this get an id of their own instead of one shared by content. */
const INTERN_DEPTH_MAX = 32;

const ids = new WeakMap<object, number>();
const byContent = new Map<string, number>();
let contentChars = 0;
let nextId = 0;

/**
 * A memo key for one argument. Scalars are keyed by value. A composite (array, object, set) is
 * keyed by an id that every composite with the same content in the same order shares: its
 * members' keys, interned bottom-up, so that a request's `input.process` finds what an equal
 * one computed earlier, while each object's id is worked out once (values are immutable, so an
 * object's content never changes). Keys are self-delimiting (strings length-prefixed, the rest
 * NUL-terminated), so a list of them joined without separators names one argument list only.
 */
export function argKey(v: Value): string {
  return keyAt(v, 0);
}

function keyAt(v: Value, depth: number): string {
  if (typeof v === 'string') return `s${v.length}:${v}`;
  if (v === null) return 'z\u0000';
  if (typeof v === 'boolean') return v ? 't\u0000' : 'f\u0000';
  if (typeof v === 'bigint') return `i${v}\u0000`;
  if (v instanceof Dec) return `d${v.m}e${v.s}\u0000`;
  let id = ids.get(v);
  if (id === undefined) {
    const content = depth < INTERN_DEPTH_MAX ? contentOf(v, depth + 1) : null;
    id = content === null ? undefined : byContent.get(content);
    if (id === undefined) {
      id = nextId++;
      if (content !== null) {
        if (byContent.size >= INTERNED_VALUES_MAX || contentChars + content.length > INTERNED_CHARS_MAX) {
          byContent.clear();
          contentChars = 0;
        }
        byContent.set(content, id);
        contentChars += content.length;
      }
    }
    ids.set(v, id);
  }
  return `#${id}\u0000`;
}

// The content of a composite as its members' keys, tagged by kind and prefixed by their number.
function contentOf(v: readonly Value[] | ObjectV | SetV, depth: number): string {
  if (Array.isArray(v)) {
    let s = `A${v.length}:`;
    for (let i = 0; i < v.length; i++) s += keyAt(v[i]!, depth);
    return s;
  }
  if (v instanceof ObjectV) {
    let s = `O${v.size}:`;
    for (const [k, x] of v.rawEntries()) s += keyAt(k, depth) + keyAt(x, depth);
    return s;
  }
  const set = v as SetV;
  let s = `S${set.size}:`;
  for (const x of set.rawValues()) s += keyAt(x, depth);
  return s;
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
 * base data (RuleNode.callKey), kept across evaluations. An engine holds one per policy and
 * data: it starts a new one whenever either changes, so nothing here outlives what it was
 * computed from. Results under strict builtin errors are kept apart (an error there is
 * undefined otherwise); errors are never kept, so a call that failed runs again.
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
