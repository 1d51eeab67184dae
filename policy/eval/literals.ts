import type { Term } from '../lang/ast.js';
import type { RuleNode, RuleTree } from '../lang/rule-tree.js';
import { ObjectV, SetV, type Value } from '../value/index.js';

/** Looks a key up in a collection (array index, object key, set member). */
export function lookup(v: Value, key: Value): Value | undefined {
  if (Array.isArray(v)) {
    if (typeof key !== 'bigint' || key < 0n || key >= BigInt(v.length)) return undefined;
    return v[Number(key)];
  }
  if (v instanceof ObjectV) return typeof key === 'string' ? v.getStr(key) : v.get(key);
  if (v instanceof SetV) return v.has(key) ? key : undefined;
  return undefined;
}

const constants = new WeakMap<Term, Value | null>();

/** The value of a composite literal without variables or calls (computed once per term). */
export function constantOf(t: Term): Value | undefined {
  const hit = constants.get(t);
  if (hit !== undefined) return hit === null ? undefined : hit;
  let v: Value | null = null;
  const all = (ts: readonly Term[]): Value[] | null => {
    const out: Value[] = [];
    for (const x of ts) {
      const c =
        x.t === 'val' ? x.v : x.t === 'arr' || x.t === 'set' || x.t === 'obj' ? constantOf(x) : undefined;
      if (c === undefined) return null;
      out.push(c);
    }
    return out;
  };
  if (t.t === 'arr') v = all(t.items);
  else if (t.t === 'set') {
    const xs = all(t.items);
    v = xs === null ? null : SetV.from(xs);
  } else if (t.t === 'obj') {
    const xs = all(t.items.flat());
    if (xs !== null) {
      const o = new ObjectV();
      for (let i = 0; i < xs.length; i += 2) o.set(xs[i]!, xs[i + 1]!);
      v = o;
    }
  }
  constants.set(t, v);
  return v === null ? undefined : v;
}

/** Where a `data` ref with constant leading keys meets a rule: its node and the next segment. */
export interface RuleAt {
  readonly node: RuleNode;
  readonly from: number;
}

// Per ref term (terms belong to one compiled policy and its tree); null: no rule on the way.
const rulesAt = new WeakMap<Term, RuleAt | null>();

/** The first rule on a `data` ref's constant leading keys (cached per term), or null. */
export function ruleAt(tree: RuleTree, t: Extract<Term, { t: 'ref' }>): RuleAt | null {
  let hit = rulesAt.get(t);
  if (hit !== undefined) return hit;
  hit = null;
  let node: RuleNode | undefined = tree.root;
  for (let i = 0; i < t.path.length && node !== undefined; i++) {
    const seg = t.path[i]!;
    if (seg.t !== 'val' || typeof seg.v !== 'string') break;
    node = node.children.get(seg.v);
    if (node?.hasRules) {
      hit = { node, from: i + 1 };
      break;
    }
  }
  rulesAt.set(t, hit);
  return hit;
}

const ruleConstants = new WeakMap<RuleNode, Value | null>();

/**
 * The value of a rule node defined by one bodiless complete rule with a literal value (Kata's
 * `policy_data := {…}`): the same in every evaluation of the policy, so refs into it can be
 * resolved once. Undefined for any other node. Callers must not use it while a `with data`
 * override is in force.
 */
export function constantRule(node: RuleNode): Value | undefined {
  let hit = ruleConstants.get(node);
  if (hit === undefined) {
    hit = null;
    const r = node.complete[0];
    if (
      r !== undefined &&
      node.complete.length === 1 &&
      node.defaults.length === 0 &&
      node.contains.length === 0 &&
      node.funcs.length === 0 &&
      node.dynamic.length === 0 &&
      node.children.size === 0 &&
      r.body.length === 0 &&
      r.elseRule === null
    ) {
      hit = (r.value.t === 'val' ? r.value.v : constantOf(r.value)) ?? null;
    }
    ruleConstants.set(node, hit);
  }
  return hit === null ? undefined : hit;
}
