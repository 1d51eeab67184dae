/**
 * The measurement area's one error class. Every failure carries a stable `code` so callers
 * (the agent proxy, the CLI) can decide without parsing messages; measurement errors always
 * mean "deny": nothing is forwarded when the log or the register cannot be trusted.
 */
export class MeasureError extends Error {
  /** Stable machine-readable code, e.g. `ERR_MEASURE_LOG_CORRUPT`. */
  readonly code: MeasureErrorCode;

  /** @param code stable code. @param message one line for humans. */
  constructor(code: MeasureErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MeasureError';
    this.code = code;
  }
}

/** Every code a {@link MeasureError} can carry. */
export type MeasureErrorCode =
  | 'ERR_MEASURE_BAD_INPUT'
  | 'ERR_MEASURE_LOG_CORRUPT'
  | 'ERR_MEASURE_ALGORITHM'
  | 'ERR_MEASURE_REGISTER'
  | 'ERR_MEASURE_MISMATCH'
  | 'ERR_MEASURE_LOCKED'
  | 'ERR_MEASURE_CLOSED'
  | 'ERR_MEASURE_TPM'
  | 'ERR_MEASURE_QUOTE'
  | 'ERR_MEASURE_INITDATA'
  | 'ERR_MEASURE_UNAVAILABLE';
