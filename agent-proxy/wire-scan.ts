import type protobuf from 'protobufjs';

/** Deepest message nesting the scan follows; deeper input is refused rather than trusted. */
export const MAX_SCAN_DEPTH = 64;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/**
 * Finds the first field in `bytes` that `type` does not declare, following nested messages and
 * map values. protobufjs skips unknown fields when decoding, but the proxy forwards the original
 * bytes: a field the policy cannot see must not reach the agent, so such requests are refused.
 * Returns a path like `CreateContainerRequest.OCI.#99`, or undefined when every field is known.
 * Malformed wire data throws (the caller treats it as a decode error).
 */
export function findUnknownField(type: protobuf.Type, bytes: Uint8Array): string | undefined {
  return scan(type, bytes, 0, bytes.length, type.name, 0);
}

function scan(
  type: protobuf.Type,
  buf: Uint8Array,
  start: number,
  end: number,
  path: string,
  depth: number,
): string | undefined {
  if (depth > MAX_SCAN_DEPTH) throw new Error(`${path}: nesting deeper than ${MAX_SCAN_DEPTH}`);
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = varint(buf, pos, end);
    pos = afterTag;
    const fieldNo = Math.floor(tag / 8);
    const wire = tag % 8;
    if (fieldNo === 0) throw new Error(`${path}: field number 0`);
    const field = type.fieldsById[fieldNo];
    if (field === undefined) return `${path}.#${fieldNo}`;
    switch (wire) {
      case WIRE_VARINT:
        pos = varint(buf, pos, end)[1];
        break;
      case WIRE_I64:
        pos += 8;
        break;
      case WIRE_I32:
        pos += 4;
        break;
      case WIRE_LEN: {
        const [len, afterLen] = varint(buf, pos, end);
        const bodyEnd = afterLen + len;
        if (len > end - afterLen) throw new Error(`${path}.${field.name}: length past end`);
        const found = scanNested(field, buf, afterLen, bodyEnd, `${path}.${field.name}`, depth);
        if (found !== undefined) return found;
        pos = bodyEnd;
        break;
      }
      default:
        throw new Error(`${path}.${field.name}: unsupported wire type ${wire}`);
    }
    if (pos > end) throw new Error(`${path}: truncated field ${field.name}`);
  }
  return undefined;
}

function scanNested(
  field: protobuf.Field,
  buf: Uint8Array,
  start: number,
  end: number,
  path: string,
  depth: number,
): string | undefined {
  field.resolve();
  const mapField = field as protobuf.Field & { map?: boolean; resolvedType: protobuf.Type | null };
  if (mapField.map) {
    // A map entry is a message {1: key, 2: value}; only a message-typed value can hide fields.
    let pos = start;
    while (pos < end) {
      const [tag, afterTag] = varint(buf, pos, end);
      pos = afterTag;
      const no = Math.floor(tag / 8);
      const wire = tag % 8;
      if (no !== 1 && no !== 2) return `${path}.#${no}`;
      if (wire === WIRE_LEN) {
        const [len, afterLen] = varint(buf, pos, end);
        if (len > end - afterLen) throw new Error(`${path}: length past end`);
        const bodyEnd = afterLen + len;
        if (no === 2 && mapField.resolvedType !== null && 'fieldsById' in mapField.resolvedType) {
          const found = scan(mapField.resolvedType, buf, afterLen, bodyEnd, `${path}[]`, depth + 1);
          if (found !== undefined) return found;
        }
        pos = bodyEnd;
      } else if (wire === WIRE_VARINT) pos = varint(buf, pos, end)[1];
      else if (wire === WIRE_I64) pos += 8;
      else if (wire === WIRE_I32) pos += 4;
      else throw new Error(`${path}: unsupported wire type ${wire}`);
    }
    return undefined;
  }
  const resolved = field.resolvedType;
  if (resolved !== null && 'fieldsById' in resolved) {
    return scan(resolved as protobuf.Type, buf, start, end, path, depth + 1);
  }
  return undefined;
}

// Tags and lengths fit in 2^53; larger varints only occur as skipped values (where the exact
// number does not matter) or as lengths, which then exceed the buffer and are refused.
function varint(buf: Uint8Array, pos: number, end: number): [number, number] {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new Error('truncated varint');
    const b = buf[pos++] ?? 0;
    result += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return [result, pos];
    scale *= 128;
  }
  throw new Error('varint longer than 10 bytes');
}
