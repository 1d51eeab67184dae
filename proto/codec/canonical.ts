import protobuf from 'protobufjs/light.js';
import { ProtoError } from './errors.js';
import { MAX_MESSAGE_DEPTH } from './validate.js';

const WIRE_LEN = 2;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Refuses encodings in which a singular field, or a second member of a oneof, appears more than
 * once at any level. Parsers disagree on them: protobufjs keeps the last occurrence of a message
 * field, while Go and rust-protobuf (the kata-agent) merge all occurrences. A proxy that decides
 * on one view and forwards the bytes to a peer that builds the other could be walked around, so
 * such input is denied. Canonical encoders (Go, Rust, protobufjs) never produce it. Strings must
 * be valid UTF-8, as Go and rust-protobuf require for proto3 (protobufjs would decode lossily).
 */
export function assertCanonical(type: protobuf.Type, bytes: Uint8Array): void {
  scan(type, protobuf.Reader.create(bytes), bytes.length, 0);
}

function bad(type: protobuf.Type, what: string): never {
  throw new ProtoError('ERR_PROTO_DECODE', `non-canonical ${type.fullName.slice(1)}: ${what}`);
}

function scan(type: protobuf.Type, r: protobuf.Reader, end: number, depth: number): void {
  if (depth > MAX_MESSAGE_DEPTH) bad(type, `nested deeper than ${MAX_MESSAGE_DEPTH}`);
  const seen = new Set<number>();
  const oneofSeen = new Map<string, number>();
  while (r.pos < end) {
    const tag = r.uint32();
    const id = tag >>> 3;
    const wire = tag & 7;
    const field = type.fieldsById[id];
    if (field === undefined) {
      r.skipType(wire);
      continue;
    }
    const sub = field.resolvedType;
    if (field instanceof protobuf.MapField) {
      if (wire !== WIRE_LEN) bad(type, `map field ${field.name} with wire type ${wire}`);
      scanMapEntry(type, field, r, depth);
      continue;
    }
    if (!field.repeated) {
      if (seen.has(id)) bad(type, `field ${field.name} (#${id}) occurs twice`);
      seen.add(id);
      const group = field.partOf;
      if (group !== null) {
        const other = oneofSeen.get(group.name);
        if (other !== undefined && other !== id) bad(type, `two members of oneof ${group.name}`);
        oneofSeen.set(group.name, id);
      }
    }
    if (field.type === 'string' && wire === WIRE_LEN) {
      const bytes = r.bytes();
      try {
        utf8.decode(bytes);
      } catch {
        bad(type, `field ${field.name} is not valid UTF-8`);
      }
    } else if (sub instanceof protobuf.Type && wire === WIRE_LEN) {
      const len = r.uint32();
      const stop = r.pos + len;
      if (stop > end) bad(type, `field ${field.name} overruns its message`);
      scan(sub, r, stop, depth + 1);
      r.pos = stop;
    } else {
      r.skipType(wire);
    }
  }
  if (r.pos !== end) bad(type, 'truncated field');
}

function scanMapEntry(
  type: protobuf.Type,
  field: protobuf.MapField,
  r: protobuf.Reader,
  depth: number,
): void {
  const len = r.uint32();
  const stop = r.pos + len;
  const value = field.resolvedType;
  while (r.pos < stop) {
    const tag = r.uint32();
    if (tag >>> 3 === 2 && value instanceof protobuf.Type && (tag & 7) === WIRE_LEN) {
      const vlen = r.uint32();
      const vstop = r.pos + vlen;
      if (vstop > stop) bad(type, `map ${field.name} value overruns its entry`);
      scan(value, r, vstop, depth + 1);
      r.pos = vstop;
    } else {
      r.skipType(tag & 7);
    }
  }
  if (r.pos !== stop) bad(type, `map ${field.name} entry overruns`);
}
