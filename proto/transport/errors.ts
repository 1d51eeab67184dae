/** Stable `code` strings of {@link TransportError}. */
export const TransportErrorCode = {
  /** An address string does not follow Ward's address syntax. */
  ADDRESS: 'ERR_TRANSPORT_ADDRESS',
  /** Connecting failed (refused, unreachable, no such socket). */
  CONNECT: 'ERR_TRANSPORT_CONNECT',
  /** Listening failed (address in use, permissions, bad socket). */
  LISTEN: 'ERR_TRANSPORT_LISTEN',
  /** Connecting or the hybrid vsock handshake took longer than allowed. */
  TIMEOUT: 'ERR_TRANSPORT_TIMEOUT',
  /** The hybrid vsock muxer refused the port or answered something other than OK. */
  HANDSHAKE: 'ERR_TRANSPORT_HANDSHAKE',
  /** A unix peer's credentials do not satisfy the listener's policy. */
  PEER_CREDENTIALS: 'ERR_TRANSPORT_PEER_CREDENTIALS',
  /** A system call through the FFI failed (socket, bind, listen, connect, getsockopt). */
  SYSCALL: 'ERR_TRANSPORT_SYSCALL',
} as const;

/** One of the {@link TransportErrorCode} strings. */
export type TransportErrorCode = (typeof TransportErrorCode)[keyof typeof TransportErrorCode];

/** The one error class of Ward's transports; `errno` is set for failed system calls. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly code: TransportErrorCode;
  readonly errno: number | undefined;

  constructor(code: TransportErrorCode, message: string, options: { cause?: unknown; errno?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errno = options.errno;
  }
}
