import { ProtoError } from '../../../proto/index.js';
import { StatusCode, statusError, TtrpcError } from '../../../proto/ttrpc/index.js';
import { AgentError, type AgentErrorKind } from '../runtime/index.js';

const CODES: Readonly<Record<AgentErrorKind, number>> = {
  NOT_FOUND: StatusCode.NOT_FOUND,
  ALREADY_EXISTS: StatusCode.ALREADY_EXISTS,
  INVALID_ARGUMENT: StatusCode.INVALID_ARGUMENT,
  FAILED_PRECONDITION: StatusCode.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: StatusCode.RESOURCE_EXHAUSTED,
  DEADLINE_EXCEEDED: StatusCode.DEADLINE_EXCEEDED,
  UNIMPLEMENTED: StatusCode.UNIMPLEMENTED,
  INTERNAL: StatusCode.INTERNAL,
};

/**
 * The one place where ward-runc-agent's errors become ttrpc statuses: AgentError kinds map to
 * the gRPC code of the same name, a request that does not decode is INVALID_ARGUMENT, anything
 * else is INTERNAL with its message.
 */
export function toStatus(err: unknown): TtrpcError {
  if (err instanceof TtrpcError) return err;
  if (err instanceof AgentError) return statusError(CODES[err.kind], err.message);
  if (err instanceof ProtoError) return statusError(StatusCode.INVALID_ARGUMENT, err.message);
  const msg = err instanceof Error ? err.message : String(err);
  return statusError(StatusCode.INTERNAL, msg);
}
