/**
 * The CLI's error contract: any failure becomes one line on stderr and exit code 2.
 * Subcommands throw {@link CliError} for bad input they detect themselves; anything else that
 * escapes is reported the same way (its message only), never as a stack trace.
 */
export class CliError extends Error {
  /** Stable machine-readable code, e.g. `ERR_CLI_BAD_ARGUMENT`. */
  readonly code: string;

  /** @param message one line for the user. @param code stable code. */
  constructor(message: string, code = 'ERR_CLI_BAD_ARGUMENT', options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }
}

/** Exit code for every failure the CLI reports (bad input, verification failure, I/O error). */
export const EXIT_FAILURE = 2;

/** Reduces any thrown value to the single line the CLI prints. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
}
