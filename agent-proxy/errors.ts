/** Stable codes of every error the agent-proxy raises. */
export type ProxyErrorCode =
  | 'ERR_PROXY_CONFIG'
  | 'ERR_PROXY_DECODE'
  | 'ERR_PROXY_UNKNOWN_METHOD'
  | 'ERR_PROXY_DENIED'
  | 'ERR_PROXY_POLICY'
  | 'ERR_PROXY_MEASURE'
  | 'ERR_PROXY_STATE'
  | 'ERR_PROXY_UPSTREAM'
  | 'ERR_PROXY_CLOSED';

/**
 * The agent-proxy's one error class. `code` is stable for callers and tests; the ttrpc status a
 * request is answered with is derived from it in exactly one place (`status.ts`).
 */
export class ProxyError extends Error {
  /** Stable machine-readable code. */
  readonly code: ProxyErrorCode;

  /** @param code stable code @param message one line for operators and the runtime */
  constructor(code: ProxyErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProxyError';
    this.code = code;
  }
}

/** The error every request gets once the proxy is shutting down. */
export const PROXY_CLOSED = new ProxyError('ERR_PROXY_CLOSED', 'ward-agent-proxy is shutting down');
