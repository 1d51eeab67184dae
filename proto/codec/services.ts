import { ProtoError } from './errors.js';
import type { MessageTypes } from './gen/index.gen.js';
import { type MethodSpec, SERVICES } from './gen/services.gen.js';

/** Full name of the Kata agent service (`grpc.AgentService`), as it appears in ttrpc requests. */
export const AGENT_SERVICE = 'grpc.AgentService';
/** Full name of the Kata agent health service. */
export const HEALTH_SERVICE = 'grpc.Health';
/** Full name of containerd's shim task service v2. */
export const TASK_SERVICE = 'containerd.task.v2.Task';
/** Full name of containerd's ttrpc events service (shims publish with `Forward`). */
export const EVENTS_SERVICE = 'containerd.services.events.ttrpc.v1.Events';

/** Full name of every service in the schemas. */
export type ServiceName = keyof typeof SERVICES;
/** Method names of one service. */
export type MethodName<S extends ServiceName> = keyof (typeof SERVICES)[S] & string;
/** Decoded request type of a method. */
export type RequestOf<S extends ServiceName, M extends MethodName<S>> = MessageTypes[RequestTypeName<S, M>];
/** Decoded response type of a method. */
export type ResponseOf<S extends ServiceName, M extends MethodName<S>> = MessageTypes[ResponseTypeName<S, M>];
/** Full request message name of a method. */
export type RequestTypeName<
  S extends ServiceName,
  M extends MethodName<S>,
> = (typeof SERVICES)[S][M] extends {
  requestType: infer R extends keyof MessageTypes;
}
  ? R
  : never;
/** Full response message name of a method. */
export type ResponseTypeName<
  S extends ServiceName,
  M extends MethodName<S>,
> = (typeof SERVICES)[S][M] extends {
  responseType: infer R extends keyof MessageTypes;
}
  ? R
  : never;

export { type MethodSpec, SERVICES };

/**
 * The method table entry for `service`/`method` as they arrive on the wire, or undefined for
 * names the schemas do not define (a server answers those with UNIMPLEMENTED).
 */
export function findMethod(service: string, method: string): MethodSpec | undefined {
  if (!Object.hasOwn(SERVICES, service)) return undefined;
  const methods = SERVICES[service as ServiceName] as Readonly<Record<string, MethodSpec>>;
  return Object.hasOwn(methods, method) ? methods[method] : undefined;
}

/** Like `findMethod`, but an unknown name is an ERR_PROTO_UNKNOWN_METHOD error. */
export function methodSpec(service: string, method: string): MethodSpec {
  const spec = findMethod(service, method);
  if (spec === undefined) {
    throw new ProtoError('ERR_PROTO_UNKNOWN_METHOD', `unknown method /${service}/${method}`);
  }
  return spec;
}

/** Method names of a service in schema order; empty for unknown services. */
export function serviceMethods(service: string): string[] {
  return Object.hasOwn(SERVICES, service) ? Object.keys(SERVICES[service as ServiceName]) : [];
}
