/**
 * Ward's ttrpc: containerd/ttrpc's wire protocol (docs/PROTOCOL.md), client and server.
 * Payloads are opaque bytes here; typed codecs live in `ward/proto`.
 */

// The transports: every component reaches sockets through ward/ttrpc.
export * from '../transport/index.js';
export { type CallOptions, Client, type StreamOptions } from './client.js';
export { ClientStream, type StreamDescriptor } from './client-stream.js';
export { Connection } from './connection.js';
export {
  Flag,
  HEADER_LENGTH,
  INLINE_PAYLOAD_MAX,
  MAX_MESSAGE_LENGTH,
  MAX_STREAM_ID,
  MessageType,
  STREAM_RECV_HIGH_WATER,
} from './constants.js';
export { CallContext } from './context.js';
export { dial } from './dial.js';
export {
  type ChunkSink,
  encodeRequest,
  encodeResponse,
  type KeyValue,
  type RequestEnvelope,
  type ResponseEnvelope,
  writeDataFrame,
  writeRequestFrame,
  writeResponseFrame,
} from './envelope.js';
export { decodeRequest, decodeResponse } from './envelope-decode.js';
export {
  closedError,
  fromRpcStatus,
  isClosedError,
  shutdownError,
  statusError,
  TtrpcError,
  TtrpcErrorCode,
  type TtrpcErrorOptions,
  toRpcStatus,
} from './errors.js';
export { FrameReader, type FrameSink } from './frame-reader.js';
export { encodeHeader, type FrameHeader, readHeader, writeHeader } from './header.js';
export { metadataFromRecord, metadataToRecord, metadataValues } from './metadata.js';
export { RawResponse, scanResponse, writeRawResponseFrame } from './raw-response.js';
export type {
  MethodDefinition,
  ServerStream,
  ServiceDefinition,
  StreamHandler,
  StreamMethod,
  UnaryHandler,
} from './registry.js';
export { Server, type ServerState } from './server.js';
export { type AnyMessage, OK_STATUS, type RpcStatus, StatusCode, statusCodeName } from './status.js';
