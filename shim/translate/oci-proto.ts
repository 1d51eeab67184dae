import type protobuf from 'protobufjs';
import { ShimError } from '../errors.js';

/** Deepest nesting the converter follows; OCI specs are a handful of levels deep. */
export const MAX_SPEC_DEPTH = 16;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Converts an OCI runtime-spec JSON value into a plain object of the Kata `oci.proto` message
 * `type`, the way the Kata runtime's OCItoGRPC does (a JSON round trip between Go structs): every
 * proto field takes the JSON key that equals its name ignoring case (`uid` → `UID`,
 * `oomScoreAdj` → `OOMScoreAdj`, `destination` → `destination`); keys with no field are dropped.
 * `path` names the position in errors.
 */
export function ociToProto(type: protobuf.Type, json: unknown, path = 'spec', depth = 0): Json {
  if (depth > MAX_SPEC_DEPTH) throw new ShimError(`${path}: nested too deeply`, 'ERR_SHIM_INVALID');
  if (!isObject(json)) throw new ShimError(`${path}: must be an object`, 'ERR_SHIM_INVALID');
  const byLower = new Map<string, unknown>();
  for (const [k, v] of Object.entries(json)) byLower.set(k.toLowerCase(), v);
  const out: Json = {};
  for (const field of type.fieldsArray) {
    const v = byLower.get(field.name.toLowerCase());
    if (v === undefined || v === null) continue;
    const at = `${path}.${field.name}`;
    field.resolve();
    const sub = field.resolvedType;
    if (field.map) {
      if (!isObject(v)) throw new ShimError(`${at}: must be an object`, 'ERR_SHIM_INVALID');
      const m: Json = {};
      for (const [k, x] of Object.entries(v))
        m[k] =
          sub && 'fieldsArray' in sub
            ? ociToProto(sub as protobuf.Type, x, `${at}.${k}`, depth + 1)
            : scalar(x, `${at}.${k}`);
      out[field.name] = m;
    } else if (field.repeated) {
      if (!Array.isArray(v)) throw new ShimError(`${at}: must be an array`, 'ERR_SHIM_INVALID');
      out[field.name] = v.map((x, i) =>
        sub && 'fieldsArray' in sub
          ? ociToProto(sub as protobuf.Type, x, `${at}[${i}]`, depth + 1)
          : scalar(x, `${at}[${i}]`),
      );
    } else if (sub && 'fieldsArray' in sub) {
      out[field.name] = ociToProto(sub as protobuf.Type, v, at, depth + 1);
    } else {
      out[field.name] = scalar(v, at);
    }
  }
  return out;
}

function scalar(v: unknown, at: string): unknown {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new ShimError(`${at}: must be a string, number or boolean`, 'ERR_SHIM_INVALID');
}
