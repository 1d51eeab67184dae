/**
 * RFC 6902 JSON Patch over Rego values, as OPA's edit tree applies it: objects, arrays and sets
 * (a set member is addressed by itself, and an added member must equal its key), paths as JSON
 * pointers or arrays of segments. Any failure makes the whole patch fail.
 */
import { equal, ObjectV, SetV, type Value } from '../value/index.js';

/** A patch that cannot be applied. */
export class PatchError extends Error {}

/** Splits a JSON pointer (leading slashes trimmed, as OPA does) or takes an array of segments. */
export function parsePointer(p: Value): Value[] | undefined {
  if (typeof p === 'string') {
    if (p === '') return [];
    return p
      .replace(/^\/+/, '')
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  if (Array.isArray(p)) return [...p];
  return undefined;
}

function arrayIndex(seg: Value, len: number, forInsert: boolean): number {
  let n: number;
  if (typeof seg === 'bigint') n = Number(seg);
  else if (typeof seg === 'string' && /^(?:0|[1-9]\d*)$/.test(seg)) n = Number(seg);
  else if (seg === '-' && forInsert) return len;
  else throw new PatchError(`invalid array index ${String(seg)}`);
  if (n < 0 || n > len || (!forInsert && n === len)) throw new PatchError(`index ${n} out of range`);
  return n;
}

function child(node: Value, seg: Value): Value {
  if (node instanceof ObjectV) {
    const v = node.get(seg);
    if (v === undefined) throw new PatchError('path not found');
    return v;
  }
  if (Array.isArray(node)) return node[arrayIndex(seg, node.length, false)]!;
  if (node instanceof SetV) {
    if (!node.has(seg)) throw new PatchError('path not found');
    return seg;
  }
  throw new PatchError('path descends into a scalar');
}

function withChild(node: Value, seg: Value, v: Value): Value {
  if (node instanceof ObjectV) {
    const o = node.clone();
    o.set(seg, v);
    return o;
  }
  if (Array.isArray(node)) {
    const a = [...node];
    a[arrayIndex(seg, node.length, false)] = v;
    return a;
  }
  const s = setWithout(node as SetV, seg);
  s.add(v);
  return s;
}

function setWithout(s: SetV, v: Value): SetV {
  const out = new SetV();
  for (const x of s.rawValues()) if (!equal(x, v)) out.add(x);
  return out;
}

/** The value at `path`. */
export function getAt(node: Value, path: readonly Value[]): Value {
  let v = node;
  for (const seg of path) v = child(v, seg);
  return v;
}

/** `node` with `value` added at `path` (objects: set key; arrays: insert; sets: add). */
export function insertAt(node: Value, path: readonly Value[], value: Value): Value {
  if (path.length === 0) return value;
  const seg = path[0]!;
  if (path.length > 1) return withChild(node, seg, insertAt(child(node, seg), path.slice(1), value));
  if (node instanceof ObjectV) {
    const o = node.clone();
    o.set(seg, value);
    return o;
  }
  if (Array.isArray(node)) {
    const i = arrayIndex(seg, node.length, true);
    return [...node.slice(0, i), value, ...node.slice(i)];
  }
  if (node instanceof SetV) {
    if (!equal(seg, value)) throw new PatchError('set member must equal its key');
    const s = node.clone();
    s.add(value);
    return s;
  }
  throw new PatchError('cannot insert into a scalar');
}

/** `node` without the value at `path`. */
export function deleteAt(node: Value, path: readonly Value[]): Value {
  if (path.length === 0) throw new PatchError('cannot delete the root');
  const seg = path[0]!;
  if (path.length > 1) return withChild(node, seg, deleteAt(child(node, seg), path.slice(1)));
  if (node instanceof ObjectV) {
    if (!node.has(seg)) throw new PatchError('path not found');
    const o = node.clone();
    o.delete(seg);
    return o;
  }
  if (Array.isArray(node)) {
    const i = arrayIndex(seg, node.length, false);
    return [...node.slice(0, i), ...node.slice(i + 1)];
  }
  if (node instanceof SetV) {
    if (!node.has(seg)) throw new PatchError('path not found');
    return setWithout(node, seg);
  }
  throw new PatchError('cannot delete from a scalar');
}

function attr(op: ObjectV, name: string): Value {
  const v = op.getStr(name);
  if (v === undefined) throw new PatchError(`missing '${name}' attribute`);
  return v;
}

function pointer(v: Value): Value[] {
  const p = parsePointer(v);
  if (p === undefined) throw new PatchError('path must be a string or an array');
  return p;
}

/** Applies every operation in order; throws {@link PatchError} when one fails. */
export function applyPatch(doc: Value, ops: readonly Value[]): Value {
  let cur = doc;
  for (const o of ops) {
    if (!(o instanceof ObjectV)) {
      throw new PatchError(
        'must be an array of JSON-Patch objects, but at least one element is not an object',
      );
    }
    const op = attr(o, 'op');
    if (typeof op !== 'string') throw new PatchError("attribute 'op' must be a string");
    if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(op)) {
      throw new PatchError(`unrecognized op '${op}'`);
    }
    const path = pointer(attr(o, 'path'));
    switch (op) {
      case 'add':
        cur = insertAt(cur, path, attr(o, 'value'));
        break;
      case 'remove':
        cur = deleteAt(cur, path);
        break;
      case 'replace':
        cur = path.length === 0 ? attr(o, 'value') : insertAt(deleteAt(cur, path), path, attr(o, 'value'));
        break;
      case 'move': {
        const from = pointer(attr(o, 'from'));
        const chunk = getAt(cur, from);
        cur = insertAt(deleteAt(cur, from), path, chunk);
        break;
      }
      case 'copy': {
        const from = pointer(attr(o, 'from'));
        cur = insertAt(cur, path, getAt(cur, from));
        break;
      }
      case 'test':
        if (!equal(getAt(cur, path), attr(o, 'value'))) throw new PatchError('test failed');
        break;
    }
  }
  return cur;
}
