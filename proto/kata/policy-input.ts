import protobuf from 'protobufjs/light.js';
import { ProtoError } from '../codec/errors.js';
import type { grpc_CopyFileRequest, MessageTypes } from '../codec/gen/index.gen.js';
import { type MessageName, messageType } from '../codec/registry.js';
import { copyFilePolicyInput } from './copy-file.js';
import { type JsonValue, stringifyJson } from './json.js';
import { hiddenFields, planFor } from './plan.js';
import { KATA_POLICY_CURRENT, type KataPolicyProfile } from './profile.js';

const COPY_FILE = 'grpc.CopyFileRequest';
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/**
 * The policy input the kata-agent builds for a request, as a JSON value: the serde JSON of its
 * rust-protobuf struct (proto field names, `type` → `type_`, declaration order, `null` for unset
 * messages, enums as numbers, bytes as integer arrays, 64-bit integers exact, maps as objects,
 * real oneofs last as `{"member": value}` or `null`). CopyFile gets the agent's
 * PolicyCopyFileRequest form. `request` is the decoded form (`decode()` output).
 */
export function policyInputValue<N extends MessageName>(
  typeName: N,
  request: MessageTypes[N],
  profile: KataPolicyProfile = KATA_POLICY_CURRENT,
): JsonValue {
  if (typeName === COPY_FILE) return copyFilePolicyInput(request as grpc_CopyFileRequest, profile);
  return messageValue(messageType(typeName), request, profile);
}

/** `policyInputValue` serialised exactly as serde_json writes it (compact, ordered). */
export function policyInputFromRequest<N extends MessageName>(
  typeName: N,
  request: MessageTypes[N],
  profile: KataPolicyProfile = KATA_POLICY_CURRENT,
): string {
  return stringifyJson(policyInputValue(typeName, request, profile));
}

function messageValue(type: protobuf.Type, msg: unknown, profile: KataPolicyProfile): JsonValue {
  if (typeof msg !== 'object' || msg === null) {
    throw new ProtoError('ERR_POLICY_INPUT', `${type.fullName.slice(1)}: expected a decoded message`);
  }
  const src = msg as Record<string, unknown>;
  // A field this agent generation lacks cannot be judged by its policy: it must be unset.
  for (const f of hiddenFields(type, profile)) {
    if (!isDefault(src[f.name])) {
      throw new ProtoError(
        'ERR_POLICY_INPUT',
        `${f.fullName.slice(1)} is set, but agent profile ${profile.name} has no such field for its policy to see`,
      );
    }
  }
  const out: { [key: string]: JsonValue } = {};
  for (const entry of planFor(type, profile)) {
    if (entry.kind === 'oneof') {
      const set = entry.oneof.fieldsArray.find((f) => src[f.name] !== undefined && src[f.name] !== null);
      out[entry.key] = set === undefined ? null : { [set.name]: fieldValue(set, src[set.name], profile) };
      continue;
    }
    const f = entry.field;
    const v = src[f.name];
    if (f.partOf !== null) out[entry.key] = v === undefined || v === null ? null : single(f, v, profile);
    else out[entry.key] = fieldValue(f, v, profile);
  }
  return out;
}

function fieldValue(f: protobuf.Field, v: unknown, profile: KataPolicyProfile): JsonValue {
  if (f instanceof protobuf.MapField) {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, x] of Object.entries((v ?? {}) as Record<string, unknown>)) out[k] = single(f, x, profile);
    return out;
  }
  if (f.repeated) return ((v ?? []) as unknown[]).map((x) => single(f, x, profile));
  return single(f, v, profile);
}

function single(f: protobuf.Field, v: unknown, profile: KataPolicyProfile): JsonValue {
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Type) return v === undefined || v === null ? null : messageValue(rt, v, profile);
  if (rt instanceof protobuf.Enum) return typeof v === 'number' ? v : 0;
  if (LONG_TYPES.has(f.type)) {
    if (v === undefined || v === null) return 0;
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
    if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
    throw new ProtoError('ERR_POLICY_INPUT', `${f.fullName.slice(1)}: expected a 64-bit integer`);
  }
  if (f.type === 'bytes') return v instanceof Uint8Array ? [...v] : [];
  if (v === undefined || v === null) return f.type === 'string' ? '' : f.type === 'bool' ? false : 0;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new ProtoError('ERR_POLICY_INPUT', `${f.fullName.slice(1)}: unexpected ${typeof v}`);
}

function isDefault(v: unknown): boolean {
  if (v === undefined || v === null || v === 0 || v === 0n || v === '' || v === false) return true;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}
