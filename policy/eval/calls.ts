import { type BuiltinDef, BuiltinError, checkArgs } from '../builtins/index.js';
import { INPUT_SLOT, type Term } from '../lang/ast.js';
import { type Loc, PolicyError } from '../lang/errors.js';
import { TEMPLATE_STRING } from '../lang/parser-expr.js';
import type { RuleNode } from '../lang/rule-tree.js';
import type { Value } from '../value/index.js';
import { evalFunction } from './docs.js';
import type { Evaluator } from './evaluator.js';
import type { Frame, VCont } from './frame.js';
import { formatPrintValue } from './print.js';
import type { Mock } from './with.js';

// Calls (builtins, user functions, mocks, print) and the continuation-free fast path, split from
// evaluator.ts; every function takes the evaluation it runs in.

/**
 * Runs a (non-relation) builtin: its result, or undefined for no result and for builtin errors
 * in non-strict mode (OPA's semantics); strict mode turns those into PolicyErrors.
 */
export function invokeBuiltin(
  ev: Evaluator,
  def: BuiltinDef,
  name: string,
  vs: readonly Value[],
  loc: Loc,
): Value | undefined {
  try {
    if (def.args !== undefined) checkArgs(name, vs, def.args);
    return def.impl(vs, ev.ctx);
  } catch (err) {
    return builtinFailure(ev, err, name, loc);
  }
}

function builtinFailure(ev: Evaluator, err: unknown, name: string, loc: Loc): undefined {
  if (err instanceof PolicyError) throw err;
  if (err instanceof BuiltinError) {
    // OPA swallows builtin type errors too unless builtin errors are strict.
    if (ev.opts.strictBuiltinErrors) throw new PolicyError(err.code, err.message, loc, { cause: err });
    return undefined;
  }
  if (err instanceof RangeError && /call stack/.test(err.message)) throw err;
  if (ev.opts.strictBuiltinErrors) {
    throw new PolicyError('eval_builtin_error', `${name}: ${(err as Error).message}`, loc, { cause: err });
  }
  return undefined;
}

/** Per call site: the target's name, arity, builtin definition or rule node (computed once). */
export function callInfo(ev: Evaluator, t: Extract<Term, { t: 'call' }>): CallInfo {
  let info = callInfos.get(t);
  if (info === undefined) {
    const target = t.target;
    if (target === undefined) throw new PolicyError('rego_type_error', 'unresolved call', t.loc);
    if (target.kind === 'builtin') {
      const def = ev.registry.get(target.name);
      info = { name: target.name, arity: def?.arity ?? -1, def, node: undefined };
    } else {
      info = {
        name: `data.${target.path.join('.')}`,
        arity: ev.tree.funcArity(target.path) ?? -1,
        def: undefined,
        node: ev.tree.find(target.path),
      };
    }
    callInfos.set(t, info);
  }
  return info;
}

/** Evaluates a call (user function, builtin or mock) with the given input operands. */
export function evalCall(
  ev: Evaluator,
  t: Extract<Term, { t: 'call' }>,
  args: readonly Term[],
  f: Frame,
  k: VCont,
): boolean {
  if (t.constant !== undefined) return k(t.constant);
  const info = callInfo(ev, t);
  const name = info.name;
  if (info.def !== undefined && name === 'print') return evalPrint(ev, args, f, k, t.loc);
  if (info.def !== undefined && name === TEMPLATE_STRING) return k(formatParts(ev, args, f, false).join(''));
  const mock = ev.mocks === null ? undefined : ev.mocks.get(name);
  // Operands with one value each (the usual case) are read in a loop and the call made without
  // building a continuation; the first operand that needs evaluation hands over to evalItems.
  const vs: Value[] = new Array(args.length);
  const i = ev.simpleValues(args, 0, vs, f);
  if (i === args.length) return callWith(ev, t, info, mock, vs, k);
  return ev.evalItems(args, i, vs, f, (xs) => callWith(ev, t, info, mock, xs, k));
}

function callWith(
  ev: Evaluator,
  t: Extract<Term, { t: 'call' }>,
  info: CallInfo,
  mock: Mock | undefined,
  vs: Value[],
  k: VCont,
): boolean {
  if (mock !== undefined) return callMock(ev, mock, vs, t, k);
  if (t.target!.kind === 'func') {
    if (info.node === undefined) return false;
    const r = evalFunction(ev, info.node, vs, t.loc);
    return r === undefined ? false : k(r);
  }
  return callBuiltin(ev, info.name, vs, t.loc, k, info.def);
}

/** Calls a `with` replacement: a constant, or another function run without mocks. */
export function callMock(
  ev: Evaluator,
  mock: Mock,
  vs: Value[],
  t: Extract<Term, { t: 'call' }>,
  k: VCont,
): boolean {
  if ('value' in mock) return k(mock.value);
  // A replacement runs without the mocks in force: a mock never calls another mock.
  const saved = ev.mocks;
  ev.mocks = null;
  let r: Value | undefined;
  let stop = false;
  try {
    if (mock.target.kind === 'func') {
      const node = ev.tree.find(mock.target.path);
      r = node === undefined ? undefined : evalFunction(ev, node, vs, t.loc);
    } else {
      stop = callBuiltin(ev, mock.target.name, vs, t.loc, (v) => {
        r = v;
        return true;
      });
    }
  } finally {
    ev.mocks = saved;
  }
  void stop;
  return r === undefined ? false : k(r);
}

/** Calls a builtin, mapping its errors to OPA's codes and strictness. */
export function callBuiltin(
  ev: Evaluator,
  name: string,
  vs: readonly Value[],
  loc: Loc,
  k: VCont,
  known?: BuiltinDef,
): boolean {
  const def = known ?? ev.registry.get(name);
  if (def === undefined) throw new PolicyError('rego_type_error', `undefined function ${name}`, loc);
  if (def.relation !== undefined) {
    let outputs: Iterable<Value>;
    try {
      if (def.args !== undefined) checkArgs(name, vs, def.args);
      outputs = def.relation(vs, ev.ctx);
    } catch (err) {
      return builtinFailure(ev, err, name, loc) ?? false;
    }
    for (const r of outputs) if (k(r)) return true;
    return false;
  }
  const result = invokeBuiltin(ev, def, name, vs, loc);
  return result === undefined ? false : k(result);
}

/** Each operand's values (all of them, or the first); errors other than limits make it undefined. */
export function operandValues(ev: Evaluator, args: readonly Term[], f: Frame, all: boolean): Value[][] {
  const out: Value[][] = [];
  for (const a of args) {
    const vals: Value[] = [];
    try {
      ev.evalTerm(a, f, (v) => {
        vals.push(v);
        return !all;
      });
    } catch (err) {
      if (
        !(err instanceof PolicyError) ||
        err.code === 'eval_limit_error' ||
        err.code === 'eval_cancel_error'
      ) {
        throw err;
      }
    }
    out.push(vals);
  }
  return out;
}

/** Formats operands like `print`: undefined ones as `<undefined>`, strings raw. */
export function formatParts(ev: Evaluator, args: readonly Term[], f: Frame, all: boolean): string[] {
  return operandValues(ev, args, f, all).map((vals) =>
    vals.length === 0 ? '<undefined>' : vals.map(formatPrintValue).join(', '),
  );
}

/** `print`: records each operand's values (formatted later) and succeeds. */
export function evalPrint(ev: Evaluator, args: readonly Term[], f: Frame, k: VCont, loc: Loc): boolean {
  if (!ev.gatherPrints) return k(true);
  // Kata's rules print on nearly every line, mostly `input` or a bound variable: those values
  // are taken as they are, and only other operands pay for a full evaluation.
  const parts: Value[][] = new Array(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = a.t === 'var' && a.slot === INPUT_SLOT ? ev.input : ev.simpleValue(a, f);
    parts[i] = v !== undefined ? [v] : operandValues(ev, [a], f, true)[0]!;
  }
  ev.prints.pushCall(loc.file, loc.row, parts);
  return k(true);
}

/** What a call site resolves to; cached per term (terms belong to one compiled policy). */
export interface CallInfo {
  readonly name: string;
  readonly arity: number;
  readonly def: BuiltinDef | undefined;
  readonly node: RuleNode | undefined;
}

const callInfos = new WeakMap<Term, CallInfo>();
