/** A position in a policy source: file, 1-based line and column. */
export interface Loc {
  readonly file: string;
  readonly row: number;
  readonly col: number;
}

/** Error codes of the policy engine, as OPA names them where OPA has an equivalent. */
export type PolicyErrorCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error'
  | 'rego_type_error'
  | 'eval_type_error'
  | 'eval_builtin_error'
  | 'eval_conflict_error'
  | 'eval_cancel_error'
  | 'eval_limit_error'
  | 'eval_internal_error'
  | 'policy_limit_error'
  | 'kata_policy_error';

/** The one error class of policy/: a stable `code`, a message and (usually) a source location. */
export class PolicyError extends Error {
  /** OPA-style error code. */
  readonly code: PolicyErrorCode;
  /** Where in the policy the error arose, when known. */
  readonly location: Loc | undefined;
  constructor(code: PolicyErrorCode, message: string, location?: Loc, options?: { cause?: unknown }) {
    // OPA's error text: `<file>:<row>: <code>: <message>`; the column stays in `location`.
    super(
      location === undefined ? `${code}: ${message}` : `${fmtLoc(location)}: ${code}: ${message}`,
      options,
    );
    this.name = 'PolicyError';
    this.code = code;
    this.location = location;
    this.bare = message;
  }
  /** The message without the location prefix. */
  readonly bare: string;
}

/**
 * Formats a location as OPA does in error messages: `file:row`, or `row:col` when there is no
 * file name (e.g. a query typed on the command line).
 */
export function fmtLoc(l: Loc): string {
  return l.file !== '' ? `${l.file}:${l.row}` : `${l.row}:${l.col}`;
}
