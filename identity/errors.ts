/**
 * Stable codes of every failure in identity/. The registry protocol, the plugin's gRPC services
 * and the CLI each turn these into their own wire form in exactly one function.
 */
export type IdentityErrorCode =
  | 'ERR_IDENTITY_BAD_RECORD'
  | 'ERR_IDENTITY_BAD_ARGUMENT'
  | 'ERR_IDENTITY_NOT_FOUND'
  | 'ERR_IDENTITY_PROCESS_GONE'
  | 'ERR_IDENTITY_CGROUP'
  | 'ERR_IDENTITY_STATE'
  | 'ERR_IDENTITY_PEER_DENIED'
  | 'ERR_IDENTITY_PROTOCOL'
  | 'ERR_IDENTITY_UNAVAILABLE'
  | 'ERR_IDENTITY_CONFIG'
  | 'ERR_IDENTITY_NOT_CONFIGURED'
  | 'ERR_IDENTITY_SIGNATURE';

/** The one error class of identity/: a stable `code`, a one-line message and an optional cause. */
export class IdentityError extends Error {
  /** Stable machine-readable code. */
  readonly code: IdentityErrorCode;

  /** @param code stable code. @param message one line for the user. */
  constructor(code: IdentityErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IdentityError';
    this.code = code;
  }
}

/** Narrows any thrown value to an IdentityError, wrapping foreign errors with the given code. */
export function asIdentityError(err: unknown, fallback: IdentityErrorCode): IdentityError {
  if (err instanceof IdentityError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new IdentityError(fallback, msg, { cause: err });
}
