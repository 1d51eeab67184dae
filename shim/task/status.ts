import { ShimError } from '../errors.js';

/** gRPC status codes the task service answers with (google.rpc.Code numbers). */
export const Code = {
  OK: 0,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** A status to put on the wire: code and one-line message. */
export interface WireStatus {
  readonly code: number;
  readonly message: string;
}

function agentCode(err: unknown): number | undefined {
  const c = (err as { grpcCode?: unknown } | undefined) ?? {};
  return typeof c.grpcCode === 'number' ? c.grpcCode : undefined;
}

/**
 * The one place a task-service error becomes a ttrpc status. ShimErrors map by code; an agent's
 * status (a TtrpcError from the agent connection, found as the error or its cause) keeps its code
 * so containerd sees the agent's NotFound or PermissionDenied (a policy denial) as such;
 * anything else is INTERNAL.
 */
export function toWireStatus(err: unknown): WireStatus {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
  if (err instanceof ShimError) {
    switch (err.code) {
      case 'ERR_SHIM_NOT_FOUND':
        return { code: Code.NOT_FOUND, message };
      case 'ERR_SHIM_EXISTS':
        return { code: Code.ALREADY_EXISTS, message };
      case 'ERR_SHIM_PRECONDITION':
        return { code: Code.FAILED_PRECONDITION, message };
      case 'ERR_SHIM_INVALID':
      case 'ERR_SHIM_CONFIG':
        return { code: Code.INVALID_ARGUMENT, message };
      case 'ERR_SHIM_UNIMPLEMENTED':
        return { code: Code.UNIMPLEMENTED, message };
      case 'ERR_SHIM_AGENT': {
        const inner = agentCode(err.cause);
        return { code: inner !== undefined && inner !== Code.OK ? inner : Code.UNAVAILABLE, message };
      }
      default:
        return { code: Code.INTERNAL, message };
    }
  }
  const inner = agentCode(err);
  if (inner !== undefined && inner > 0 && inner <= 16) return { code: inner, message };
  return { code: Code.INTERNAL, message };
}
