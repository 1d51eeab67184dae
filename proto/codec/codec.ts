import type protobuf from 'protobufjs/light.js';
import { assertCanonical } from './canonical.js';
import { ProtoError } from './errors.js';
import type { MessageTypes } from './gen/index.gen.js';
import type { MessageInit } from './init.js';
import { type MessageName, messageType } from './registry.js';
import { validateMessage } from './validate.js';

/** Decoded form: proto3 defaults filled in, 64-bit integers as bigint, enums as numbers. */
const DECODED: protobuf.IConversionOptions = {
  longs: BigInt,
  defaults: true,
  arrays: true,
  objects: true,
};

/** Proto-JSON-like form with proto field names: 64-bit as strings, enums by name, bytes base64. */
const JSON_FORM: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: String,
  defaults: true,
  arrays: true,
  objects: true,
};

/**
 * Encodes a message to protobuf bytes. The object is checked strictly first (unknown fields,
 * types, integer ranges): bad input is an ERR_PROTO_ENCODE error, never silently altered.
 */
export function encode<N extends MessageName>(name: N, value: MessageInit<MessageTypes[N]>): Uint8Array {
  const type = messageType(name);
  validateMessage(type, value);
  try {
    return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
  } catch (cause) {
    throw new ProtoError('ERR_PROTO_ENCODE', `cannot encode ${name}: ${String(cause)}`, { cause });
  }
}

/**
 * Decodes protobuf bytes into the decoded form. Malformed input, and input that parsers would read
 * differently (a singular field or oneof given twice, see `assertCanonical`), is an
 * ERR_PROTO_DECODE error.
 */
export function decode<N extends MessageName>(name: N, bytes: Uint8Array): MessageTypes[N] {
  const type = messageType(name);
  return type.toObject(decodeRaw(type, name, bytes), DECODED) as MessageTypes[N];
}

/**
 * Decodes bytes into JSON-ready form with proto field names (64-bit integers as decimal strings,
 * enums by name, bytes base64): what `ward agent call` prints.
 */
export function decodeToJson(name: MessageName, bytes: Uint8Array): Record<string, unknown> {
  const type = messageType(name);
  return type.toObject(decodeRaw(type, name, bytes), JSON_FORM);
}

/**
 * Encodes a JSON object with proto field names (enums by name or number, 64-bit integers as
 * numbers or strings, bytes base64) after the same strict checks as `encode`.
 */
export function encodeFromJson(name: MessageName, json: unknown): Uint8Array {
  const type = messageType(name);
  validateMessage(type, json, { json: true });
  try {
    return type.encode(type.fromObject(json as Record<string, unknown>)).finish();
  } catch (cause) {
    throw new ProtoError('ERR_PROTO_JSON', `cannot encode ${name} from JSON: ${String(cause)}`, { cause });
  }
}

function decodeRaw(type: protobuf.Type, name: string, bytes: Uint8Array): protobuf.Message {
  try {
    assertCanonical(type, bytes);
    return type.decode(bytes);
  } catch (cause) {
    if (cause instanceof ProtoError) throw cause;
    throw new ProtoError('ERR_PROTO_DECODE', `malformed ${name}: ${String(cause)}`, { cause });
  }
}
