/**
 * The one error class of the shim. `code` is stable and decides the ttrpc status in
 * task/status.ts (the only place errors become wire codes):
 * - ERR_SHIM_NOT_FOUND → NOT_FOUND, ERR_SHIM_EXISTS → ALREADY_EXISTS,
 * - ERR_SHIM_PRECONDITION → FAILED_PRECONDITION, ERR_SHIM_INVALID → INVALID_ARGUMENT,
 * - ERR_SHIM_UNIMPLEMENTED → UNIMPLEMENTED, ERR_SHIM_CONFIG → INVALID_ARGUMENT,
 * - ERR_SHIM_AGENT → UNAVAILABLE (agent unreachable), anything else → INTERNAL.
 */
export class ShimError extends Error {
  /** Stable machine-readable code. */
  readonly code: ShimErrorCode;

  /** @param message one line naming the id or key. @param code stable code. */
  constructor(message: string, code: ShimErrorCode, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ShimError';
    this.code = code;
  }
}

/** Every code a {@link ShimError} may carry. */
export type ShimErrorCode =
  | 'ERR_SHIM_NOT_FOUND'
  | 'ERR_SHIM_EXISTS'
  | 'ERR_SHIM_PRECONDITION'
  | 'ERR_SHIM_INVALID'
  | 'ERR_SHIM_UNIMPLEMENTED'
  | 'ERR_SHIM_CONFIG'
  | 'ERR_SHIM_AGENT'
  | 'ERR_SHIM_INTERNAL';

/** Shorthand for a NotFound error naming the id. */
export function notFound(what: string, id: string): ShimError {
  return new ShimError(`${what} ${id}: not found`, 'ERR_SHIM_NOT_FOUND');
}
