/**
 * ward/proto: Ward's protobuf schemas (Kata agent, containerd shim/task/events, ttrpc envelope),
 * typed codecs over them, and the Kata policy-input translation.
 */
export { assertCanonical } from './codec/canonical.js';
export { decode, decodeToJson, encode, encodeFromJson } from './codec/codec.js';
export { ProtoError, type ProtoErrorCode } from './codec/errors.js';
export type * from './codec/gen/index.gen.js';
export type { InitValue, MessageInit } from './codec/init.js';
export { isMessageName, type MessageName, messageNames, messageType, schemaRoot } from './codec/registry.js';
export {
  AGENT_SERVICE,
  EVENTS_SERVICE,
  findMethod,
  HEALTH_SERVICE,
  type MethodName,
  type MethodSpec,
  methodSpec,
  type RequestOf,
  type RequestTypeName,
  type ResponseOf,
  type ResponseTypeName,
  SERVICES,
  type ServiceName,
  serviceMethods,
  TASK_SERVICE,
} from './codec/services.js';
export { MAX_MESSAGE_DEPTH, type ValidateOptions, validateMessage } from './codec/validate.js';
export * from './kata/index.js';
export * from './transport/index.js';
export * from './ttrpc/index.js';
