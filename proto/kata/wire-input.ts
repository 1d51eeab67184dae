import protobuf from 'protobufjs/light.js';
import { type MessageName, messageType } from '../codec/registry.js';
import { MAX_MESSAGE_DEPTH } from '../codec/validate.js';
import type { JsonValue } from './json.js';
import { planFor } from './plan.js';
import type { KataPolicyProfile } from './profile.js';

// The policy input straight from the wire: one pass over the request bytes instead of three
// (the canonical-encoding scan, protobufjs's decode, then the conversion of its object), which
// is most of what the proxy spends before the policy runs. It covers the encodings canonical
// encoders produce and gives up (throws NOT_FAST) on anything else: an unknown or hidden field,
// a repeated singular field, a second oneof member, a wire type other than the schema's, a
// non-string map key, invalid UTF-8. The caller then takes the full path, which decides what
// such input is (an error, or a value) with its own messages. Property tests hold the two paths
// to the same results.

/** Thrown when a request needs the full decode path; carries no detail on purpose. */
export const NOT_FAST: unique symbol = Symbol('not fast');

const COPY_FILE = 'grpc.CopyFileRequest';
const utf8 = new TextDecoder('utf-8', { fatal: true });

const VARINT_TYPES = new Set(['int32', 'uint32', 'sint32', 'int64', 'uint64', 'sint64', 'bool']);
const I64_TYPES = new Set(['fixed64', 'sfixed64', 'double']);
const I32_TYPES = new Set(['fixed32', 'sfixed32', 'float']);
const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/**
 * `policyInputValue(name, decode(name, bytes), profile)` in one pass over `bytes`, or NOT_FAST
 * thrown when the request needs that full path (CopyFile's own form always does).
 */
export function policyInputFromWire(
  name: MessageName,
  bytes: Uint8Array,
  profile: KataPolicyProfile,
): JsonValue {
  if (name === COPY_FILE) throw NOT_FAST;
  return policyInputOfType(messageType(name), bytes, profile);
}

/** {@link policyInputFromWire} for any resolved message type (a schema's, or a test's). */
export function policyInputOfType(
  type: protobuf.Type,
  bytes: Uint8Array,
  profile: KataPolicyProfile,
): JsonValue {
  const r = new Cursor(bytes);
  const v = message(type, r, bytes.length, profile, 0);
  if (r.pos !== bytes.length) throw NOT_FAST;
  return v;
}

class Cursor {
  pos = 0;
  private view: DataView | undefined;
  constructor(readonly buf: Uint8Array) {}

  /** A varint as a number, exact below 2^53 (tags, lengths, 32-bit values). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw NOT_FAST;
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw NOT_FAST;
  }

  /**
   * The low 32 bits of a varint, unsigned (what protobufjs's uint32 reads): plain arithmetic for
   * the usual one to five bytes, the bigint path for the ten-byte form of negative values.
   */
  varint32(): number {
    const buf = this.buf;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= buf.length) throw NOT_FAST;
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result >>> 0;
    }
    this.pos -= 5;
    return Number(BigInt.asUintN(32, this.varint64()));
  }

  /** A varint as a 64-bit unsigned bigint. */
  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw NOT_FAST;
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw NOT_FAST;
  }

  /** A view of the buffer, once `n` more bytes are known to be there. */
  fixed(n: 4 | 8): DataView {
    if (this.pos + n > this.buf.length) throw NOT_FAST;
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.view;
  }
}

/** The wire type of one value of f (a map's value, for a map field). */
function wireOf(f: protobuf.FieldBase): number {
  if (f.resolvedType instanceof protobuf.Type) return 2;
  if (f.resolvedType instanceof protobuf.Enum || VARINT_TYPES.has(f.type)) return 0;
  if (I64_TYPES.has(f.type)) return 1;
  if (I32_TYPES.has(f.type)) return 5;
  return 2;
}

// One scalar (or enum) value of a field, in the decoded-then-converted form.
function scalar(f: protobuf.FieldBase, r: Cursor): JsonValue {
  // 32-bit kinds keep the low 32 bits of the varint, as protobufjs reads them.
  if (f.resolvedType instanceof protobuf.Enum) return r.varint32() | 0;
  switch (f.type) {
    case 'int32':
      return r.varint32() | 0;
    case 'uint32':
      return r.varint32();
    case 'sint32': {
      const n = r.varint32();
      return (n >>> 1) ^ -(n & 1);
    }
    case 'bool':
      return r.varint32() !== 0;
    case 'int64':
      return BigInt.asIntN(64, r.varint64());
    case 'uint64':
      return r.varint64();
    case 'sint64': {
      const n = r.varint64();
      return (n >> 1n) ^ -(n & 1n);
    }
    default:
      return fixedScalar(f.type, r);
  }
}

function fixedScalar(type: string, r: Cursor): JsonValue {
  const size = type === 'fixed64' || type === 'sfixed64' || type === 'double' ? 8 : 4;
  const view = r.fixed(size);
  const at = r.pos;
  r.pos += size;
  switch (type) {
    case 'fixed32':
      return view.getUint32(at, true);
    case 'sfixed32':
      return view.getInt32(at, true);
    case 'float':
      return view.getFloat32(at, true);
    case 'fixed64':
      return view.getBigUint64(at, true);
    case 'sfixed64':
      return view.getBigInt64(at, true);
    case 'double':
      return view.getFloat64(at, true);
    default:
      throw NOT_FAST;
  }
}

function lengthDelimited(r: Cursor): number {
  const len = r.varint();
  const end = r.pos + len;
  if (end > r.buf.length) throw NOT_FAST;
  return end;
}

// A length-delimited value of field f: string, bytes or message.
function delimited(f: protobuf.FieldBase, r: Cursor, profile: KataPolicyProfile, depth: number): JsonValue {
  const end = lengthDelimited(r);
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Type) {
    const v = message(rt, r, end, profile, depth + 1);
    if (r.pos !== end) throw NOT_FAST;
    return v;
  }
  const bytes = r.buf.subarray(r.pos, end);
  r.pos = end;
  if (f.type === 'bytes') return Array.from(bytes);
  if (f.type !== 'string') throw NOT_FAST;
  try {
    return utf8.decode(bytes);
  } catch {
    throw NOT_FAST;
  }
}

/** The default a field takes when absent, as protobufjs's decode fills it in and the conversion keeps it. */
function absent(f: protobuf.Field): JsonValue {
  if (f instanceof protobuf.MapField) return {};
  if (f.repeated) return [];
  if (f.partOf !== null || f.resolvedType instanceof protobuf.Type) return null;
  if (f.resolvedType instanceof protobuf.Enum) return 0;
  if (LONG_TYPES.has(f.type)) return 0n as unknown as JsonValue;
  if (f.type === 'string') return '';
  if (f.type === 'bool') return false;
  if (f.type === 'bytes') return [];
  return 0;
}

function mapEntry(
  f: protobuf.MapField,
  r: Cursor,
  out: { [k: string]: JsonValue },
  profile: KataPolicyProfile,
  depth: number,
): void {
  if (f.keyType !== 'string') throw NOT_FAST;
  const end = lengthDelimited(r);
  let key: string | undefined;
  let value: JsonValue | undefined;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 10 && key === undefined) {
      key = delimited(KEY_FIELD, r, profile, depth) as string;
    } else if (tag >>> 3 === 2 && value === undefined && (tag & 7) === wireOf(f)) {
      value = (tag & 7) === 2 ? delimited(f, r, profile, depth) : scalar(f, r);
    } else throw NOT_FAST;
  }
  if (r.pos !== end || key === undefined || value === undefined || Object.hasOwn(out, key)) throw NOT_FAST;
  out[key] = value;
}

const KEY_FIELD = new protobuf.Field('key', 1, 'string');

/** A type as the profile's agent shows it, laid out once for reading. */
interface Layout {
  /** Field number → index into `fields`; -1 for a field the plan lacks (unknown or hidden). */
  readonly byNo: Int32Array;
  readonly fields: readonly protobuf.Field[];
  /** Per field: the wire type of one value. */
  readonly wire: Uint8Array;
  readonly isMap: readonly boolean[];
  /** Per field: the index of its oneof among the type's (-1 if none). */
  readonly group: Int32Array;
  /** The output in serde order: a key and a field index, or a key and a oneof's members. */
  readonly entries: readonly (
    | { readonly key: string; readonly field: number }
    | { readonly key: string; readonly members: readonly number[] }
  )[];
}

const layouts = new WeakMap<protobuf.Type, Map<KataPolicyProfile, Layout>>();

function layoutOf(type: protobuf.Type, profile: KataPolicyProfile): Layout {
  let byProfile = layouts.get(type);
  if (byProfile === undefined) {
    byProfile = new Map();
    layouts.set(type, byProfile);
  }
  const hit = byProfile.get(profile);
  if (hit !== undefined) return hit;
  const fields: protobuf.Field[] = [];
  const entries: Layout['entries'][number][] = [];
  for (const e of planFor(type, profile)) {
    if (e.kind === 'field') {
      entries.push({ key: e.key, field: fields.length });
      fields.push(e.field);
    } else {
      const members: number[] = [];
      for (const g of e.oneof.fieldsArray) {
        members.push(fields.length);
        fields.push(g);
      }
      entries.push({ key: e.key, members });
    }
  }
  let maxNo = 0;
  for (const f of type.fieldsArray) maxNo = Math.max(maxNo, f.id);
  const byNo = new Int32Array(maxNo + 1).fill(-1);
  const group = new Int32Array(fields.length).fill(-1);
  const groups: protobuf.OneOf[] = [];
  fields.forEach((f, i) => {
    byNo[f.id] = i;
    if (f.partOf !== null) {
      let g = groups.indexOf(f.partOf);
      if (g < 0) g = groups.push(f.partOf) - 1;
      group[i] = g;
    }
  });
  const l: Layout = {
    byNo,
    fields,
    wire: Uint8Array.from(fields, wireOf),
    isMap: fields.map((f) => f instanceof protobuf.MapField),
    group,
    entries,
  };
  byProfile.set(profile, l);
  return l;
}

function message(
  type: protobuf.Type,
  r: Cursor,
  end: number,
  profile: KataPolicyProfile,
  depth: number,
): JsonValue {
  if (depth > MAX_MESSAGE_DEPTH) throw NOT_FAST;
  const l = layoutOf(type, profile);
  const vals: (JsonValue | undefined)[] = new Array(l.fields.length);
  // The member of each oneof seen so far, by oneof index.
  let groupSeen: number[] | undefined;
  while (r.pos < end) {
    const tag = r.varint();
    const wire = tag & 7;
    const no = Math.floor(tag / 8);
    const i = no < l.byNo.length ? l.byNo[no]! : -1;
    if (i < 0) throw NOT_FAST;
    const f = l.fields[i]!;
    if (l.isMap[i]) {
      if (wire !== 2) throw NOT_FAST;
      let m = vals[i] as { [k: string]: JsonValue } | undefined;
      if (m === undefined) {
        m = {};
        vals[i] = m;
      }
      mapEntry(f as unknown as protobuf.MapField, r, m, profile, depth);
      continue;
    }
    const expected = l.wire[i]!;
    if (f.repeated) {
      let list = vals[i] as JsonValue[] | undefined;
      if (list === undefined) {
        list = [];
        vals[i] = list;
      }
      if (wire === 2 && expected !== 2) {
        // Packed scalars.
        const stop = lengthDelimited(r);
        while (r.pos < stop) list.push(scalar(f, r));
        if (r.pos !== stop) throw NOT_FAST;
      } else if (wire === expected) list.push(wire === 2 ? delimited(f, r, profile, depth) : scalar(f, r));
      else throw NOT_FAST;
      continue;
    }
    if (wire !== expected || vals[i] !== undefined) throw NOT_FAST;
    const g = l.group[i]!;
    if (g >= 0) {
      groupSeen ??= [];
      if (groupSeen[g] !== undefined) throw NOT_FAST;
      groupSeen[g] = i;
    }
    vals[i] = wire === 2 ? delimited(f, r, profile, depth) : scalar(f, r);
  }
  if (r.pos !== end) throw NOT_FAST;
  const out: { [key: string]: JsonValue } = {};
  for (const e of l.entries) {
    if ('field' in e) {
      const v = vals[e.field];
      out[e.key] = v === undefined ? absent(l.fields[e.field]!) : v;
      continue;
    }
    let set = -1;
    for (const m of e.members) if (vals[m] !== undefined) set = m;
    out[e.key] = set < 0 ? null : { [l.fields[set]!.name]: vals[set]! };
  }
  return out;
}
