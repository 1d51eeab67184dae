import { StatusCode, statusError, TtrpcError } from '../proto/ttrpc/index.js';
import { ProxyError, type ProxyErrorCode } from './errors.js';

const STATUS_BY_CODE: Readonly<Record<ProxyErrorCode, number>> = {
  ERR_PROXY_CONFIG: StatusCode.FAILED_PRECONDITION,
  ERR_PROXY_DECODE: StatusCode.INVALID_ARGUMENT,
  ERR_PROXY_UNKNOWN_METHOD: StatusCode.UNIMPLEMENTED,
  ERR_PROXY_DENIED: StatusCode.PERMISSION_DENIED,
  ERR_PROXY_POLICY: StatusCode.INTERNAL,
  ERR_PROXY_MEASURE: StatusCode.INTERNAL,
  ERR_PROXY_STATE: StatusCode.INTERNAL,
  ERR_PROXY_UPSTREAM: StatusCode.UNAVAILABLE,
  ERR_PROXY_CLOSED: StatusCode.UNAVAILABLE,
};

/**
 * The single place where the proxy's failures become ttrpc statuses. An agent's own status
 * (a TtrpcError relayed from upstream) passes through unchanged, so the runtime sees exactly
 * what the agent said; anything unexpected is INTERNAL, never OK.
 */
export function toTtrpcError(err: unknown): TtrpcError {
  if (err instanceof TtrpcError) return err;
  if (err instanceof ProxyError) return statusError(STATUS_BY_CODE[err.code], err.message);
  const message = err instanceof Error ? err.message : String(err);
  return statusError(StatusCode.INTERNAL, `ward-agent-proxy: ${message}`);
}
