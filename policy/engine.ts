import { type BuiltinRegistry, defaultRegistry } from './builtins/index.js';
import { CallMemo } from './eval/call-memo.js';
import type { EvalOptions } from './eval/evaluator.js';
import { DEFAULT_EVAL_LIMITS, type EvalLimits } from './eval/limits.js';
import type { PrintLog } from './eval/prints.js';
import { runDataPath, runQuery } from './eval/query.js';
import type { Module, Term } from './lang/ast.js';
import { compileModules } from './lang/compile.js';
import { type CompiledQuery, compileQuery } from './lang/compile-query.js';
import { type Loc, PolicyError } from './lang/errors.js';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from './lang/lexer.js';
import { parseModule } from './lang/parser-module.js';
import type { RuleTree } from './lang/rule-tree.js';
import { fromJs, ObjectV, parseJson, type Value } from './value/index.js';
import { WasmPolicy } from './wasm/policy.js';

/** Options of an {@link Engine}. */
export interface EngineOptions {
  /** Parse modules as Rego v0 unless they `import rego.v1` (like `opa --v0-compatible`). */
  readonly v0Compatible?: boolean;
  /** Make builtin errors abort evaluation instead of making the expression undefined. */
  readonly strictBuiltinErrors?: boolean;
  /** Evaluation budget; defaults to {@link DEFAULT_EVAL_LIMITS}. */
  readonly limits?: Partial<EvalLimits>;
  /** Policy source limits; defaults to the kata-agent's. */
  readonly sourceLimits?: SourceLimits;
  /** Builtins; defaults to the standard library. */
  readonly registry?: BuiltinRegistry;
  /**
   * Memoise function results per evaluation and stop a constant-valued function at its first
   * solution (rules always stop). Decisions are the same; `print` output is shorter than
   * regorus' (which re-runs every call and enumerates every solution of a function), and errors
   * only later solutions would raise are not seen. Off by default.
   */
  readonly fastFunctions?: boolean;
  /** Clock for `time.now_ns` (fixed per evaluation); defaults to the system clock. */
  readonly now?: () => bigint;
  /**
   * Remember across evaluations, while the policies and the base data stay the same, the results
   * of functions that read neither `input` nor the clock, randomness or the network (nor use
   * `with`), keyed by their arguments, and the values of complete rules that read no clock,
   * randomness or network, keyed by the input paths they read (on unless false). Decisions,
   * errors and prints are the same as without: results are reused only in evaluations that
   * gather no prints, and a failure is not remembered. Work a reused result would have charged
   * to {@link EvalLimits} is not charged.
   */
  readonly memoiseCalls?: boolean;
}

/** Options of one query evaluation. */
export interface QueryOptions {
  /** Overrides the engine's {@link EngineOptions.strictBuiltinErrors}. */
  readonly strictBuiltinErrors?: boolean;
  /**
   * Gather `print` output (default). When false, print calls succeed without evaluating their
   * operands and `prints` is empty: for callers that never read them on this path.
   */
  readonly prints?: boolean;
  /** The value of `time.now_ns` (defaults to the engine's clock, read once per evaluation). */
  readonly nowNs?: bigint;
}

/** One expression's value in a query result row. */
export interface ExpressionResult {
  readonly value: Value;
  readonly text: string;
  readonly location: { readonly row: number; readonly col: number };
}

/** One solution of a query. */
export interface ResultRow {
  readonly expressions: readonly ExpressionResult[];
  /** Named query variables and their values. */
  readonly bindings: ReadonlyMap<string, Value>;
}

/** The outcome of a query: every solution (empty = undefined) and the `print` output. */
export interface QueryResult {
  readonly rows: readonly ResultRow[];
  readonly prints: readonly string[];
}

// Prints are formatted on first read only (see PrintLog); a class, as V8 builds object literals
// with accessors slowly.
class Result implements QueryResult {
  constructor(
    readonly rows: readonly ResultRow[],
    private readonly log: PrintLog,
  ) {}

  get prints(): readonly string[] {
    return this.log.lines();
  }
}

/** What {@link Engine.evalDataPath} returns: the value and the `print` output. */
export interface DataPathResult {
  readonly value: Value | undefined;
  readonly prints: readonly string[];
}

class PathResult implements DataPathResult {
  constructor(
    readonly value: Value | undefined,
    private readonly log: PrintLog | null,
  ) {}

  get prints(): readonly string[] {
    return this.log === null ? [] : this.log.lines();
  }
}

/** Where a path evaluated without a query is said to be (errors inside rules name their own). */
const PATH_LOC: Loc = { file: 'query', row: 1, col: 1 };

/** Most compiled queries kept per engine. */
export const MAX_CACHED_QUERIES = 256;

/**
 * A Rego engine: policies, data and input, evaluated by queries. Compilation happens once after
 * policies change; each query evaluation gets fresh memo tables, a fixed clock and a budget.
 */
export class Engine {
  private readonly modules = new Map<string, Module>();
  private data: ObjectV = new ObjectV();
  private input: Value | undefined;
  private tree: RuleTree | null = null;
  private readonly queries = new Map<string, CompiledQuery>();
  /** Path terms of evalDataPath, per path. */
  private readonly paths = new Map<string, readonly Term[]>();
  private readonly registry: BuiltinRegistry;
  private readonly limits: EvalLimits;
  private wasm: WasmPolicy | null = null;
  /** Results of memoisable calls under the current policies and data; started on first use. */
  private callMemo: CallMemo | null = null;

  constructor(private readonly opts: EngineOptions = {}) {
    this.registry = opts.registry ?? defaultRegistry();
    this.limits = { ...DEFAULT_EVAL_LIMITS, ...opts.limits };
  }

  /**
   * Loads a policy compiled by `opa build -t wasm` (a policy.wasm module or a bundle.tar.gz).
   * With no Rego modules added, `data.<path>` queries are then answered by the wasm policy.
   */
  async loadWasm(bytes: Uint8Array): Promise<void> {
    this.wasm = await WasmPolicy.load(bytes);
    this.wasm.setData(this.data);
  }

  /** Adds (or replaces) a policy module; returns its package path (`data.x.y`). */
  addPolicy(file: string, source: string): string {
    const m = parseModule(file, source, {
      v0: this.opts.v0Compatible === true,
      limits: this.opts.sourceLimits ?? DEFAULT_SOURCE_LIMITS,
    });
    this.modules.set(file, m);
    this.invalidate();
    return ['data', ...m.pkg].join('.');
  }

  /** Removes every policy module. */
  clearPolicies(): void {
    this.modules.clear();
    this.invalidate();
  }

  private invalidate(): void {
    this.tree = null;
    this.queries.clear();
    this.callMemo = null;
  }

  /** Compiles the current policies now (otherwise done on first evaluation); throws compile errors. */
  compile(): void {
    if (this.tree === null) this.tree = compileModules([...this.modules.values()], this.registry);
  }

  /** Merges a JSON document (text or value) into the base data. */
  addData(doc: Value | string): void {
    const v = typeof doc === 'string' ? parseJson(doc) : doc;
    if (!(v instanceof ObjectV)) throw new PolicyError('rego_compile_error', 'data must be a JSON object');
    this.data = mergeObjects(this.data, v);
    this.wasm?.setData(this.data);
    this.queries.clear();
    this.callMemo = null;
  }

  /** Replaces the base data. */
  setData(doc: Value | string): void {
    this.data = new ObjectV();
    this.addData(doc);
  }

  /** The base data document: not to be changed in place (replace it with setData). */
  getData(): ObjectV {
    return this.data;
  }

  /** Sets the input document (a value, or undefined for none). */
  setInput(input: Value | undefined): void {
    this.input = input;
  }

  /** Sets the input document from JSON text (big integers stay exact). */
  setInputJson(text: string): void {
    this.input = parseJson(text);
  }

  /** Sets the input from a plain JS value (as produced by JSON.parse). */
  setInputJs(input: unknown): void {
    this.input = fromJs(input);
  }

  /** Evaluates a query and returns every solution. */
  evalQuery(query: string, opts: QueryOptions = {}): QueryResult {
    if (this.wasm !== null && this.modules.size === 0) return this.evalWasm(query);
    this.compile();
    let q = this.queries.get(query);
    if (q === undefined) {
      q = compileQuery(query, this.registry, this.tree!);
      if (this.queries.size >= MAX_CACHED_QUERIES) this.queries.clear();
      this.queries.set(query, q);
    }
    const r = runQuery(q, this.tree!, this.data, this.registry, this.evalOptions(opts));
    return new Result(r.rows, r.prints);
  }

  private evalOptions(opts: QueryOptions): EvalOptions {
    return {
      input: this.input,
      strictBuiltinErrors: opts.strictBuiltinErrors ?? this.opts.strictBuiltinErrors === true,
      limits: this.limits,
      fastFunctions: this.opts.fastFunctions === true,
      prints: opts.prints !== false,
      nowNs: opts.nowNs ?? this.now(),
      callMemo: this.opts.memoiseCalls === false ? null : (this.callMemo ??= new CallMemo()),
    };
  }

  /**
   * The value of `data.<path>` (a rule or a document), as the query `data.<path>` yields it in
   * its one row, without compiling or shaping a query: undefined when it has none. What a Kata
   * decision asks for every request.
   */
  evalDataPath(path: readonly string[], opts: QueryOptions = {}): DataPathResult {
    if (this.wasm !== null && this.modules.size === 0) {
      const r = this.evalQuery(`data.${path.join('.')}`, opts);
      return new PathResult(r.rows[0]?.expressions[0]?.value, null);
    }
    this.compile();
    const key = path.join('\u0000');
    let terms = this.paths.get(key);
    if (terms === undefined) {
      terms = path.map((seg): Term => ({ t: 'val', v: seg, loc: PATH_LOC }));
      if (this.paths.size >= MAX_CACHED_QUERIES) this.paths.clear();
      this.paths.set(key, terms);
    }
    const r = runDataPath(terms, this.tree!, this.data, this.registry, this.evalOptions(opts));
    return new PathResult(r.value, r.prints);
  }

  /** The clock `time.now_ns` reads in an evaluation that is not given one. */
  now(): bigint {
    return this.opts.now?.() ?? BigInt(Date.now()) * 1_000_000n;
  }

  private evalWasm(query: string): QueryResult {
    const q = query.trim();
    if (!/^data(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(q)) {
      throw new PolicyError('rego_compile_error', 'a wasm policy answers only data.<path> queries');
    }
    const value = this.wasm!.evaluate(q, this.input);
    const rows: ResultRow[] =
      value === undefined
        ? []
        : [{ expressions: [{ value, text: q, location: { row: 1, col: 1 } }], bindings: new Map() }];
    return { rows, prints: [] };
  }

  /** Evaluates a rule path such as `data.agent_policy.allow`; undefined when it has no value. */
  evalRule(path: string): { value: Value | undefined; prints: readonly string[] } {
    const r = this.evalQuery(path);
    const row = r.rows[0];
    return {
      value: row?.expressions[0]?.value,
      get prints(): readonly string[] {
        return r.prints;
      },
    };
  }
}

function mergeObjects(a: ObjectV, b: ObjectV): ObjectV {
  const out = a.clone();
  for (const [k, v] of b.rawEntries()) {
    const prev = out.get(k);
    out.set(k, prev instanceof ObjectV && v instanceof ObjectV ? mergeObjects(prev, v) : v);
  }
  return out;
}
