/** Ward's Rego engine: values, builtins, the Engine facade and the Kata decision semantics. */
export * from './builtins/index.js';
export {
  Engine,
  type EngineOptions,
  type ExpressionResult,
  MAX_CACHED_QUERIES,
  type QueryOptions,
  type QueryResult,
  type ResultRow,
} from './engine.js';
export { DEFAULT_EVAL_LIMITS, type EvalLimits } from './eval/limits.js';
export { regoText } from './eval/print.js';
export {
  ALLOW_FAILURES_RULE,
  KATA_PACKAGE,
  type KataDecision,
  KataPolicy,
  type KataPolicyOptions,
  SET_POLICY_REQUEST,
} from './kata/decision.js';
export { applyJsonPatch } from './kata/patch.js';
export { fmtLoc, type Loc, PolicyError, type PolicyErrorCode } from './lang/errors.js';
export { DEFAULT_SOURCE_LIMITS, type SourceLimits } from './lang/lexer.js';
export * from './value/index.js';
export { WasmPolicy } from './wasm/policy.js';
export { isGzip, MAX_BUNDLE_BYTES, readTar } from './wasm/tar.js';
