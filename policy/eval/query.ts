import type { BuiltinRegistry } from '../builtins/index.js';
import type { Term } from '../lang/ast.js';
import type { CompiledQuery } from '../lang/compile-query.js';
import { PolicyError } from '../lang/errors.js';
import type { RuleTree } from '../lang/rule-tree.js';
import type { Value } from '../value/index.js';
import { evalDataRef } from './docs.js';
import { type EvalOptions, Evaluator } from './evaluator.js';
import type { Frame } from './frame.js';
import type { PrintLog } from './prints.js';

/** One solution, before the engine shapes it. */
export interface RawRow {
  readonly expressions: { value: Value; text: string; location: { row: number; col: number } }[];
  readonly bindings: Map<string, Value>;
}

/** Runs a compiled query; every error leaves as a PolicyError. */
export function runQuery(
  q: CompiledQuery,
  tree: RuleTree,
  data: Value,
  registry: BuiltinRegistry,
  opts: EvalOptions,
): { rows: RawRow[]; prints: PrintLog } {
  const ev = new Evaluator(tree, data, registry, opts);
  const f: Frame = new Array(q.slots);
  const values: Value[] = new Array(q.texts.length).fill(true);
  const rows: RawRow[] = [];
  const step = (i: number): boolean => {
    if (i === q.body.length) {
      const bindings = new Map<string, Value>();
      for (const [n, s] of q.vars) {
        const v = f[s];
        if (v !== undefined) bindings.set(n, v);
      }
      rows.push({
        expressions: values.map((value, j) => ({
          value,
          text: q.texts[j] ?? '',
          location: { row: 1, col: 1 + q.texts.slice(0, j).reduce((n, t) => n + t.length + 2, 0) },
        })),
        bindings,
      });
      return false;
    }
    const e = q.body[i]!;
    const j = q.index.get(e) ?? i;
    if (e.k === 'term' && !e.neg && e.with.length > 0 && e.term.t !== 'call') {
      const term = e.term;
      return ev.withModifiers(
        e.with,
        f,
        (k2) =>
          ev.evalTerm(term, f, (v) => {
            values[j] = v;
            return k2();
          }),
        () => step(i + 1),
      );
    }
    if (
      e.k === 'term' &&
      !e.neg &&
      e.with.length === 0 &&
      !(e.term.t === 'call' && e.term.args.length > ev.arityOf(e.term) && ev.arityOf(e.term) >= 0)
    ) {
      ev.tick();
      // Like OPA's rego API, a top-level term expression captures its value (false included).
      return ev.evalTerm(e.term, f, (v) => {
        values[j] = v;
        return step(i + 1);
      });
    }
    return ev.evalExpr(e, f, () => {
      values[j] = true;
      return step(i + 1);
    });
  };
  guarded(() => step(0));
  return { rows, prints: ev.prints };
}

/**
 * The value of `data.<path>` (constant segments) with a fresh evaluation: what the query
 * `data.a.b` yields in its one row, without compiling or shaping a query. Undefined when it has
 * no value.
 */
export function runDataPath(
  path: readonly Term[],
  tree: RuleTree,
  data: Value,
  registry: BuiltinRegistry,
  opts: EvalOptions,
): { value: Value | undefined; prints: PrintLog } {
  const ev = new Evaluator(tree, data, registry, opts);
  let value: Value | undefined;
  guarded(() => {
    // As the query's top-level term expression: one step, then the value.
    ev.tick();
    evalDataRef(ev, path, [], (v) => {
      value = v;
      return true;
    });
  });
  return { value, prints: ev.prints };
}

// Builtin errors are control flow inside an evaluation (non-strict mode turns them into
// "undefined"); their stack traces are never shown, so they are not captured. A JavaScript stack
// overflow is the depth limit; anything else that escapes is an internal error.
function guarded(run: () => void): void {
  const traceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    run();
  } catch (err) {
    if (err instanceof PolicyError) throw err;
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      if (process.env.WARD_DEBUG) console.error(err);
      throw new PolicyError('eval_limit_error', 'evaluation exceeded the stack depth', undefined, {
        cause: err,
      });
    }
    throw new PolicyError('eval_internal_error', `internal error: ${(err as Error).message}`, undefined, {
      cause: err,
    });
  } finally {
    Error.stackTraceLimit = traceLimit;
  }
}
