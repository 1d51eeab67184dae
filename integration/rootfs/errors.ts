/** A rootfs could not be built (busybox missing, target not writable, ...). */
export class RootfsError extends Error {
  /** Stable code for the area. */
  readonly code = 'ERR_ROOTFS';

  /** @param message what failed and where. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RootfsError';
  }
}
