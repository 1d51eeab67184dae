import protobuf from 'protobufjs/light.js';
import { ProtoError } from '../codec/errors.js';
import type { MessageTypes } from '../codec/gen/index.gen.js';
import { type MessageName, messageType } from '../codec/registry.js';
import { validateMessage } from '../codec/validate.js';
import { copyFileFromPolicyInput } from './copy-file.js';
import { type JsonValue, parseJson } from './json.js';
import { planFor } from './plan.js';
import { KATA_POLICY_CURRENT, type KataPolicyProfile } from './profile.js';

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
type JsonObject = { [key: string]: JsonValue };

function fail(where: string, what: string): never {
  throw new ProtoError('ERR_POLICY_INPUT', `${where}: ${what}`);
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v !== 'bigint';
}

/**
 * The inverse of `policyInputFromRequest`: a request message (ready for `encode`) from the
 * kata-agent's policy JSON (text or parsed). Keys the agent would not write are refused; keys it
 * would write but that are missing take proto3 defaults, as the agent's serde(default) does.
 * CopyFile data other than a symlink target is not part of the policy form and comes back empty.
 */
export function requestFromPolicyInput<N extends MessageName>(
  typeName: N,
  input: string | JsonValue,
  profile: KataPolicyProfile = KATA_POLICY_CURRENT,
): MessageTypes[N] {
  const value = typeof input === 'string' ? parseJson(input) : input;
  const type = messageType(typeName);
  if (!isObject(value)) fail(typeName, 'expected a JSON object');
  const out =
    typeName === 'grpc.CopyFileRequest'
      ? copyFileFromPolicyInput(value, profile)
      : fromMessage(type, value, profile);
  validateMessage(type, out);
  return type.toObject(type.fromObject(out), {
    longs: BigInt,
    defaults: true,
    arrays: true,
    objects: true,
  }) as MessageTypes[N];
}

function fromMessage(
  type: protobuf.Type,
  obj: JsonObject,
  profile: KataPolicyProfile,
): Record<string, unknown> {
  const where = type.fullName.slice(1);
  const plan = planFor(type, profile);
  const known = new Set(plan.map((e) => e.key));
  for (const k of Object.keys(obj)) if (!known.has(k)) fail(where, `unexpected key ${JSON.stringify(k)}`);
  const out: Record<string, unknown> = {};
  for (const entry of plan) {
    const v = obj[entry.key];
    if (v === undefined || v === null) continue;
    if (entry.kind === 'oneof') {
      if (!isObject(v)) fail(`${where}.${entry.key}`, 'expected null or a one-key object');
      const keys = Object.keys(v);
      const member = entry.oneof.fieldsArray.find((f) => f.name === keys[0]);
      if (keys.length !== 1 || member === undefined)
        fail(`${where}.${entry.key}`, 'expected one oneof member');
      out[member.name] = single(member, v[member.name], `${where}.${entry.key}`, profile);
      continue;
    }
    out[entry.field.name] = fieldValue(entry.field, v, `${where}.${entry.key}`, profile);
  }
  return out;
}

function fieldValue(f: protobuf.Field, v: JsonValue, where: string, profile: KataPolicyProfile): unknown {
  if (f instanceof protobuf.MapField) {
    if (!isObject(v)) fail(where, 'expected an object');
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, single(f, x, `${where}[${k}]`, profile)]),
    );
  }
  if (f.repeated) {
    if (!Array.isArray(v)) fail(where, 'expected an array');
    return v.map((x, i) => single(f, x, `${where}[${i}]`, profile));
  }
  return single(f, v, where, profile);
}

function single(
  f: protobuf.Field,
  v: JsonValue | undefined,
  where: string,
  profile: KataPolicyProfile,
): unknown {
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Type) {
    if (!isObject(v)) fail(where, 'expected an object');
    return fromMessage(rt, v, profile);
  }
  if (f.type === 'bytes') {
    if (
      !Array.isArray(v) ||
      !v.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255)
    ) {
      fail(where, 'expected an array of byte values');
    }
    return Uint8Array.from(v as number[]);
  }
  if (LONG_TYPES.has(f.type)) {
    // A double beyond 2^53 may already have been rounded by JSON.parse: refuse it rather than guess.
    if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
    if (typeof v === 'bigint') return v;
    fail(where, 'expected an exact integer (pass JSON text or bigint beyond 2^53)');
  }
  // Remaining scalars and enums are range- and type-checked by validateMessage.
  return v;
}
