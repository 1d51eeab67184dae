import type { Rule, Term } from '../lang/ast.js';
import { type Loc, PolicyError } from '../lang/errors.js';
import type { RuleNode } from '../lang/rule-tree.js';
import { equal, ObjectV, SetV, type Value } from '../value/index.js';
import { argKey, callKey, inputKey } from './call-memo.js';
import type { Evaluator } from './evaluator.js';
import { type Frame, PENDING, UNDEF, type VCont } from './frame.js';
import { lookup } from './literals.js';

const SEP = '\u0000';

/** Evaluates `data.<path>`: walks the rule tree and the base document side by side. */
export function evalDataRef(ev: Evaluator, path: readonly Term[], f: Frame, k: VCont): boolean {
  return step(ev, ev.tree.root, ev.data, path, 0, f, k, ev.dataOverrides === null ? null : []);
}

function step(
  ev: Evaluator,
  node: RuleNode | undefined,
  base: Value | undefined,
  path: readonly Term[],
  i: number,
  f: Frame,
  k: VCont,
  at: string[] | null,
): boolean {
  if (at !== null && at.length > 0) {
    const o = ev.dataOverrides!.get(at.join(SEP));
    if (o !== undefined) return ev.walk(o, path, i, f, k);
  }
  if (node === undefined) {
    if (at !== null) base = overridesUnder(ev, at, base);
    return base === undefined ? false : walkBase(ev, base, path, i, f, k);
  }
  if (node.hasRules || i === path.length) {
    const v = nodeValueAt(ev, node, base, at);
    return v === undefined ? false : ev.walk(v, path, i, f, k);
  }
  const seg = path[i]!;
  if (seg.t === 'val') return stepInto(ev, node, base, path, i, f, k, at, seg.v);
  return stepOver(ev, node, base, path, i, f, k, at, seg);
}

// A path segment that is not a constant: step's cases that need closures, kept out of step
// (every `data.x.y` reference passes through it; a closure over its parameters would cost a
// context object on each call).
function stepOver(
  ev: Evaluator,
  node: RuleNode,
  base: Value | undefined,
  path: readonly Term[],
  i: number,
  f: Frame,
  k: VCont,
  at: string[] | null,
  seg: Term,
): boolean {
  const go = (key: Value): boolean => stepInto(ev, node, base, path, i, f, k, at, key);
  if (seg.t === 'var' && seg.slot >= 0 && f[seg.slot] === undefined) {
    const keys = new Set<string>(node.children.keys());
    const others: Value[] = [];
    if (base instanceof ObjectV) {
      for (const [key] of base.rawEntries()) {
        if (typeof key === 'string') keys.add(key);
        else others.push(key);
      }
    }
    const slot = seg.slot;
    for (const key of [...[...keys].sort(), ...others]) {
      if (ev.bind(f, slot, key, () => go(key))) return true;
    }
    return false;
  }
  if (ev.hasUnbound(seg, f)) {
    const v = nodeValueAt(ev, node, base, at);
    return v === undefined ? false : ev.walk(v, path, i, f, k);
  }
  return ev.evalTerm(seg, f, go);
}

/** Steps from `node` (and `base`) into the child named `key`. */
function stepInto(
  ev: Evaluator,
  node: RuleNode,
  base: Value | undefined,
  path: readonly Term[],
  i: number,
  f: Frame,
  k: VCont,
  at: string[] | null,
  key: Value,
): boolean {
  if (typeof key !== 'string') {
    // Base documents are JSON: OPA finds `data[2]` under the key "2".
    let b = base instanceof ObjectV ? base.get(key) : undefined;
    if (b === undefined && typeof key === 'bigint' && base instanceof ObjectV)
      b = base.getStr(key.toString());
    return b === undefined ? false : ev.walk(b, path, i + 1, f, k);
  }
  const child = node.children.get(key);
  const b = base instanceof ObjectV ? base.getStr(key) : undefined;
  if (child === undefined && b === undefined && at === null) return false;
  return step(ev, child, b, path, i + 1, f, k, at === null ? null : [...at, key]);
}

/**
 * Walks a base (JSON) document. Its object keys are strings, so a constant number segment
 * (`data.x[2]`) also finds the key "2", as OPA's storage does.
 */
function walkBase(ev: Evaluator, v: Value, path: readonly Term[], i: number, f: Frame, k: VCont): boolean {
  for (; i < path.length; i++) {
    const seg = path[i]!;
    if (seg.t !== 'val') return ev.walk(v, path, i, f, k);
    let c = lookup(v, seg.v);
    if (c === undefined && typeof seg.v === 'bigint' && v instanceof ObjectV) c = v.getStr(seg.v.toString());
    if (c === undefined) return false;
    v = c;
  }
  return k(v);
}

function nodeValueAt(
  ev: Evaluator,
  node: RuleNode,
  base: Value | undefined,
  at: string[] | null,
): Value | undefined {
  let v = nodeValue(ev, node, base);
  if (at !== null && v !== undefined) v = applyOverridesUnder(ev, at, v);
  return v;
}

function applyOverridesUnder(ev: Evaluator, at: string[], v: Value): Value {
  return overridesUnder(ev, at, v) ?? v;
}

/** Applies `with data...` overrides strictly below `at` to `v` (undefined when none apply and v is). */
function overridesUnder(ev: Evaluator, at: string[], v: Value | undefined): Value | undefined {
  const prefix = at.length === 0 ? '' : at.join(SEP) + SEP;
  for (const [key, ov] of ev.dataOverrides!) {
    if (!key.startsWith(prefix) || key.length === prefix.length) continue;
    v = setPath(v, key.slice(prefix.length).split(SEP), ov);
  }
  return v;
}

/** Returns `v` with `path` set to `x`, creating objects as needed (copy on write). */
export function setPath(v: Value | undefined, path: readonly Value[], x: Value): Value {
  if (path.length === 0) return x;
  const o = v instanceof ObjectV ? v.clone() : new ObjectV();
  o.set(path[0]!, setPath(o.get(path[0]!), path.slice(1), x));
  return o;
}

/** The full value of a rule-tree node (rules, child packages and base data), memoised. */
export function nodeValue(ev: Evaluator, node: RuleNode, base: Value | undefined): Value | undefined {
  const m = ev.memo.get(node);
  if (m !== undefined) {
    if (m === PENDING) {
      throw new PolicyError(
        'rego_recursion_error',
        `rule data.${node.path.join('.')} is recursive`,
        firstLoc(node),
      );
    }
    return m === UNDEF ? undefined : m;
  }
  // Across evaluations too when the rule reads only the input (the paths of its key), the
  // policy and the base data.
  const shared = node.inputKey === null ? null : ev.sharedMemo();
  const sharedKey = shared === null ? '' : inputKey(ev.input, node.inputKey!);
  if (shared !== null) {
    const hit = shared.get(node, ev.opts.strictBuiltinErrors, sharedKey);
    if (hit !== undefined) {
      ev.memo.set(node, hit);
      return hit === UNDEF ? undefined : hit;
    }
  }
  ev.memo.set(node, PENDING);
  ev.enter(firstLoc(node));
  let v: Value | undefined;
  try {
    v = computeNode(ev, node, base);
  } finally {
    ev.depth--;
    ev.memo.delete(node);
  }
  ev.memo.set(node, v === undefined ? UNDEF : v);
  if (shared !== null) shared.set(node, ev.opts.strictBuiltinErrors, sharedKey, v);
  return v;
}

function firstLoc(n: RuleNode): Loc | undefined {
  return (n.complete[0] ?? n.defaults[0] ?? n.contains[0] ?? n.funcs[0] ?? n.dynamic[0]?.rule)?.loc;
}

function computeNode(ev: Evaluator, node: RuleNode, base: Value | undefined): Value | undefined {
  if (node.funcs.length > 0) return undefined;
  if (node.complete.length > 0 || node.defaults.length > 0) return completeValue(ev, node);
  if (node.contains.length > 0) {
    const s = new SetV();
    for (const r of node.contains) {
      const f: Frame = new Array(r.slots);
      ev.evalBody(r.body, 0, f, () =>
        ev.evalTerm(r.key!, f, (x) => {
          s.add(x);
          return false;
        }),
      );
    }
    return s;
  }
  const o = base instanceof ObjectV ? base.clone() : new ObjectV();
  for (const [name, child] of node.children) {
    // Where base data and rules define the same key, OPA keeps the base document's value.
    const b = base instanceof ObjectV ? base.getStr(name) : undefined;
    if (b !== undefined && !(b instanceof ObjectV)) continue;
    const cv = nodeValue(ev, child, b);
    if (cv !== undefined) o.set(name, cv);
  }
  for (const { rule, suffix } of node.dynamic) addDynamic(ev, o, rule, suffix);
  return o;
}

function addDynamic(ev: Evaluator, o: ObjectV, r: Rule, suffix: readonly Term[]): void {
  const f: Frame = new Array(r.slots);
  const multi = r.kind === 'contains';
  ev.evalBody(r.body, 0, f, () =>
    ev.evalItems(suffix, 0, [], f, (keys) =>
      ev.evalTerm(multi ? r.key! : r.value, f, (v) => {
        insertAt(o, keys, v, r, multi);
        return false;
      }),
    ),
  );
}

function insertAt(o: ObjectV, keys: readonly Value[], v: Value, r: Rule, multi: boolean): void {
  const key = keys[0]!;
  const prev = o.get(key);
  if (keys.length === 1 && multi) {
    // A multi-value rule at a dynamic path: the leaf is a set gathering every value.
    if (prev !== undefined && !(prev instanceof SetV)) {
      throw new PolicyError('eval_conflict_error', 'object keys must be unique', r.loc);
    }
    const s = prev === undefined ? new SetV() : prev.clone();
    s.add(v);
    o.set(key, s);
    return;
  }
  if (keys.length === 1) {
    if (prev !== undefined && !equal(prev, v)) {
      throw new PolicyError('eval_conflict_error', 'object keys must be unique', r.loc);
    }
    o.set(key, v);
    return;
  }
  let child: ObjectV;
  if (prev === undefined) child = new ObjectV();
  else if (prev instanceof ObjectV) child = prev.clone();
  else throw new PolicyError('eval_conflict_error', 'object keys must be unique', r.loc);
  insertAt(child, keys.slice(1), v, r, multi);
  o.set(key, child);
}

/**
 * The value of a complete rule node: every definition (with its else chain) is tried, each
 * stopping at its first solution when its value is constant (as regorus does for rules; it
 * enumerates every solution of functions, see evalFunction), and all must agree. Else the default.
 */
function completeValue(ev: Evaluator, node: RuleNode): Value | undefined {
  let result: Value | undefined;
  // One pair of continuations per node, as in evalFunction.
  let rule: Rule | undefined;
  const f = frameFor(node.complete);
  let found = false;
  const take = (v: Value): boolean => {
    const r = rule!;
    found = true;
    result = onlyValue(result, v, 'complete rules must not produce multiple outputs', r.loc);
    // A constant value cannot conflict with itself.
    return r.value.t === 'val';
  };
  const solved = (): boolean => ev.evalTerm(rule!.value, f, take);
  for (const r of node.complete) {
    f.fill(undefined);
    for (let cur: Rule | null = r; cur !== null; cur = cur.elseRule) {
      rule = cur;
      found = false;
      ev.evalBody(cur.body, 0, f, solved);
      if (found) break;
    }
  }
  // Rego null is JS null: only undefined means no value.
  return result !== undefined ? result : defaultValue(ev, node.defaults[0]);
}

// The value of a `default` rule or function (undefined when there is none).
function defaultValue(ev: Evaluator, d: Rule | undefined): Value | undefined {
  if (d === undefined) return undefined;
  let v: Value | undefined;
  ev.evalTerm(d.value, new Array(d.slots), (x) => {
    v = x;
    return true;
  });
  return v;
}

// A complete rule or a function has one value: the first, and any later one must equal it.
function onlyValue(prev: Value | undefined, v: Value, conflict: string, loc: Loc): Value {
  if (prev === undefined) return v;
  if (!equal(prev, v)) throw new PolicyError('eval_conflict_error', conflict, loc);
  return prev;
}

function unifyParams(
  ev: Evaluator,
  params: readonly Term[],
  args: readonly Value[],
  i: number,
  f: Frame,
  k: () => boolean,
): boolean {
  if (i === params.length) return k();
  return ev.unify(params[i]!, args[i]!, f, () => unifyParams(ev, params, args, i + 1, f, k));
}

/** Calls the user function at `node` with argument values; undefined when no body applies. */
export function evalFunction(
  ev: Evaluator,
  node: RuleNode,
  args: readonly Value[],
  loc: Loc,
): Value | undefined {
  // Across evaluations too when the result depends only on the arguments (those of its key),
  // the policy and the base data.
  const shared = node.callKey === null ? null : ev.sharedMemo();
  const sharedKey = shared === null ? '' : callKey(node.callKey!, args);
  if (shared !== null) {
    const hit = shared.get(node, ev.opts.strictBuiltinErrors, sharedKey);
    if (hit !== undefined) return hit === UNDEF ? undefined : hit;
  }
  const useMemo = ev.fastFunctions;
  let memo = useMemo ? ev.fnMemo.get(node) : undefined;
  const key = !useMemo ? '' : args.length === 1 ? argKey(args[0]!) : args.map(argKey).join('');
  const hit = memo?.get(key);
  if (hit !== undefined) return hit === UNDEF ? undefined : hit;
  // The compiler rejects recursion (compile-recursion.ts); only a `with f as g` mock can bring
  // it back at run time, so the guard is kept only while mocks are in force.
  const guarded = ev.mocks !== null;
  if (guarded) {
    if (ev.active.has(node)) {
      throw new PolicyError('rego_recursion_error', `function data.${node.path.join('.')} is recursive`, loc);
    }
    ev.active.add(node);
  }
  ev.enter(loc);
  let result: Value | undefined;
  // One pair of continuations per call, reading the rule being tried and its frame from these
  // variables: a pair made per rule (allow_var has eight) would cost a context object each.
  let rule: Rule | undefined;
  const f = frameFor(node.funcs);
  let found = false;
  const take = (v: Value): boolean => {
    const r = rule!;
    found = true;
    result = onlyValue(result, v, 'functions must not produce multiple outputs for same inputs', r.loc);
    return r.value.t === 'val' && ev.fastFunctions;
  };
  const solved = (): boolean => {
    const value = rule!.value;
    return value.t === 'val' ? take(value.v) : ev.evalTerm(value, f, take);
  };
  try {
    for (const r of node.funcs) {
      if (r.isDefault) continue;
      f.fill(undefined);
      const params = r.args!;
      // Distinct variable parameters (the usual case) are stored straight into their slots; they
      // stay bound for the else chain, whose bodies unbind only what they bind themselves.
      const slots = paramSlots(r);
      if (slots !== null) for (let j = 0; j < slots.length; j++) f[slots[j]!] = args[j]!;
      for (let cur: Rule | null = r; cur !== null; cur = cur.elseRule) {
        rule = cur;
        found = false;
        if (slots !== null) ev.evalBody(cur.body, 0, f, solved);
        else unifyParams(ev, params, args, 0, f, () => ev.evalBody(rule!.body, 0, f, solved));
        if (found) break;
      }
    }
    if (result === undefined)
      result = defaultValue(
        ev,
        node.funcs.find((x) => x.isDefault),
      );
  } finally {
    if (guarded) ev.active.delete(node);
    ev.depth--;
  }
  if (useMemo) {
    if (memo === undefined) ev.fnMemo.set(node, (memo = new Map()));
    memo.set(key, result === undefined ? UNDEF : result);
  }
  if (shared !== null) shared.set(node, ev.opts.strictBuiltinErrors, sharedKey, result);
  return result;
}

/**
 * One frame for all the definitions of a rule node, as large as the largest: each definition
 * starts from it cleared (bindings are undone on the way out anyway; clearing makes sure). One
 * array per call rather than per definition keeps a call's memory small: `allow_var` has eight.
 */
function frameFor(rules: readonly Rule[]): Frame {
  let size = 0;
  for (const r of rules) if (r.slots > size) size = r.slots;
  return new Array(size);
}

const paramSlotsOf = new WeakMap<Rule, number[] | null>();

/**
 * The frame slots of a function's parameters when each is a distinct variable (the usual
 * `f(a, b)`): arguments are then stored, not unified. Null for patterns, constants or repeats.
 */
function paramSlots(r: Rule): number[] | null {
  let hit = paramSlotsOf.get(r);
  if (hit !== undefined) return hit;
  const slots: number[] = [];
  for (const p of r.args ?? []) {
    if (p.t !== 'var' || p.slot < 0 || slots.includes(p.slot)) {
      slots.length = 0;
      hit = null;
      break;
    }
    slots.push(p.slot);
  }
  if (hit === undefined) hit = slots;
  paramSlotsOf.set(r, hit);
  return hit;
}
