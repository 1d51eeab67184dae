/** Bounds on one evaluation; each breach is an `eval_limit_error`/`eval_cancel_error`. */
export interface EvalLimits {
  /** Most evaluation steps (expressions, iterations, builtin work units) per evaluation. */
  readonly maxSteps: number;
  /** Wall-clock budget per evaluation, in milliseconds. */
  readonly maxMillis: number;
  /** Deepest nesting of rule and function evaluations. */
  readonly maxDepth: number;
}

/** Defaults: generous for real Kata policies (a CreateContainer decision takes ~10^4 steps). */
export const DEFAULT_EVAL_LIMITS: EvalLimits = {
  maxSteps: 50_000_000,
  maxMillis: 5_000,
  maxDepth: 256,
};

/** How often (in steps) the wall clock is read. */
export const CLOCK_CHECK_INTERVAL = 4096;
