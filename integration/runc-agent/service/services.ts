import {
  AGENT_SERVICE,
  decode,
  encode,
  findMethod,
  HEALTH_SERVICE,
  type MessageName,
  serviceMethods,
} from '../../../proto/index.js';
import type { ServiceDefinition, UnaryHandler } from '../../../proto/ttrpc/index.js';
import { AgentError, type Msg } from '../runtime/index.js';
import type { Handler } from './handlers.js';
import type { RequestRecorder } from './recorder.js';
import { toStatus } from './status.js';

/**
 * Builds the ttrpc service table of `service` from handlers: every method the schema defines is
 * registered; each call is recorded, its payload decoded as the method's request type, handled,
 * and the response encoded. A method the schema has but no handler implements answers
 * UNIMPLEMENTED; errors become statuses through {@link toStatus}.
 */
export function serviceDefinition(
  service: string,
  handlers: Record<string, Handler>,
  recorder: RequestRecorder,
): ServiceDefinition {
  const def: Record<string, UnaryHandler> = {};
  for (const method of serviceMethods(service)) {
    const spec = findMethod(service, method);
    if (!spec || spec.requestStream || spec.responseStream) continue;
    const handler = handlers[method];
    def[method] = async (payload, ctx) => {
      recorder.record(service, method, payload);
      try {
        if (!handler)
          throw new AgentError('UNIMPLEMENTED', `${service}/${method} is not implemented by ward-runc-agent`);
        const req = decode(spec.requestType as MessageName, payload) as unknown as Msg;
        const res = await handler(req, ctx.signal);
        return encode(spec.responseType as MessageName, res as never);
      } catch (err) {
        throw toStatus(err);
      }
    };
  }
  return def;
}

/** The two services the agent serves. */
export const AGENT_SERVICES = [AGENT_SERVICE, HEALTH_SERVICE] as const;
