import type { TypeName, Value } from '../value/index.js';

/** Error codes a builtin may raise, as OPA reports them. */
export type BuiltinErrorCode = 'eval_type_error' | 'eval_builtin_error';

/**
 * An error raised by a builtin. `eval_type_error` for operands of the wrong type,
 * `eval_builtin_error` for everything else (bad format, out of range...). In non-strict mode the
 * engine turns `eval_builtin_error` into "the call is undefined"; type errors always propagate
 * (OPA's behaviour: type errors are never swallowed).
 */
export class BuiltinError extends Error {
  /** OPA's error code. */
  readonly code: BuiltinErrorCode;
  constructor(code: BuiltinErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'BuiltinError';
  }
}

/** Per-evaluation services a builtin may use. */
export interface BuiltinContext {
  /** `time.now_ns()`: fixed for the whole evaluation, as OPA does. */
  readonly nowNs: bigint;
  /** True when the evaluation runs with strict builtin errors. */
  readonly strict: boolean;
  /** Appends one line of `print` output to this evaluation's prints. */
  print(line: string): void;
  /**
   * Charges `steps` units of work to the evaluation budget; throws when the budget (steps or
   * wall time) is exhausted. Builtins doing work proportional to input size (e.g. building a
   * large string or range) must call it with a size estimate.
   */
  tick(steps: number): void;
  /** A cache that lives as long as the evaluation (e.g. for compiled regular expressions). */
  readonly cache: Map<string, unknown>;
}

/** A type accepted by an operand: a type name, or 'any'. */
export type ArgType = TypeName | 'any';

/** One builtin function. */
export interface BuiltinDef {
  /** Full dotted name, e.g. `strings.replace_n`. */
  readonly name: string;
  /** Number of operands (inputs); -1 for variadic builtins such as `print`. */
  readonly arity: number;
  /**
   * Declared operand types, checked before `impl` runs. Each entry is one type or a list of
   * alternatives; omit the list (or use 'any') to check types in `impl` instead.
   */
  readonly args?: readonly (ArgType | readonly ArgType[])[];
  /** Computes the result; `undefined` means the call has no result (the expression is undefined). */
  readonly impl: (args: readonly Value[], ctx: BuiltinContext) => Value | undefined;
  /**
   * For relations such as `walk`: every output of the call. When present the engine uses it
   * instead of `impl` when the output is unified with a pattern.
   */
  readonly relation?: (args: readonly Value[], ctx: BuiltinContext) => Iterable<Value>;
  /**
   * True when results may differ between calls with equal operands in different evaluations
   * (randomness, the clock, the network): calls of functions that use it are never remembered
   * across evaluations (policy/eval/call-memo.ts).
   */
  readonly nondeterministic?: boolean;
}

/** The table of builtins one engine knows. */
export class BuiltinRegistry {
  private readonly defs = new Map<string, BuiltinDef>();

  /** Adds (or replaces) a builtin. */
  register(def: BuiltinDef): void {
    this.defs.set(def.name, def);
  }

  /** Looks a builtin up by its dotted name. */
  get(name: string): BuiltinDef | undefined {
    return this.defs.get(name);
  }

  /** True when a builtin with this name exists. */
  has(name: string): boolean {
    return this.defs.has(name);
  }

  /** True when some builtin name starts with `prefix.` (so `strings` is a namespace, not a var). */
  hasNamespace(prefix: string): boolean {
    const p = `${prefix}.`;
    for (const k of this.defs.keys()) if (k.startsWith(p)) return true;
    return false;
  }

  /** Every registered name, sorted. */
  names(): string[] {
    return [...this.defs.keys()].sort();
  }

  /** A copy, so an engine can add or mock builtins without touching the shared default. */
  clone(): BuiltinRegistry {
    const r = new BuiltinRegistry();
    for (const d of this.defs.values()) r.register(d);
    return r;
  }
}
