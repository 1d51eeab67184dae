/**
 * The agent's error kinds, named after the gRPC status each becomes on the wire (the mapping
 * lives in one function of the service layer).
 */
export type AgentErrorKind =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'DEADLINE_EXCEEDED'
  | 'UNIMPLEMENTED'
  | 'INTERNAL';

/** The one error class of ward-runc-agent. `code` is `ERR_AGENT_<KIND>`. */
export class AgentError extends Error {
  /** Which status this becomes. */
  readonly kind: AgentErrorKind;
  /** Stable machine-readable code. */
  readonly code: string;

  /** @param kind the status family. @param message names the id or field at fault. */
  constructor(kind: AgentErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AgentError';
    this.kind = kind;
    this.code = `ERR_AGENT_${kind}`;
  }
}

/** NotFound for an unknown container id. */
export function containerNotFound(id: string): AgentError {
  return new AgentError('NOT_FOUND', `container ${JSON.stringify(id)} not found`);
}

/** NotFound for an unknown exec id of a known container. */
export function processNotFound(containerId: string, execId: string): AgentError {
  return new AgentError(
    'NOT_FOUND',
    `process ${JSON.stringify(execId)} of container ${JSON.stringify(containerId)} not found`,
  );
}

/** InvalidArgument naming the offending request field. */
export function invalidField(field: string, why: string): AgentError {
  return new AgentError('INVALID_ARGUMENT', `${field}: ${why}`);
}

/** Wraps anything thrown by lower layers (runc, syscalls, fs) as INTERNAL, keeping AgentErrors. */
export function asAgentError(err: unknown, context: string): AgentError {
  if (err instanceof AgentError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new AgentError('INTERNAL', `${context}: ${msg}`, { cause: err });
}
