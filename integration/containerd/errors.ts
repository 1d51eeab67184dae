/**
 * The one error class of the private-containerd harness. `code` is stable:
 * ERR_HARNESS_START, ERR_HARNESS_CTR, ERR_HARNESS_IMAGE, ERR_HARNESS_STOPPED.
 */
export class HarnessError extends Error {
  /** Stable machine-readable code. */
  readonly code: string;

  /** @param message one line. @param code stable code. */
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HarnessError';
    this.code = code;
  }
}
