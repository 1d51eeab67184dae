import { PolicyError } from '../lang/errors.js';
import { equal, ObjectV, type Value } from '../value/index.js';

function fail(msg: string): never {
  throw new PolicyError('kata_policy_error', `json patch: ${msg}`);
}

function parsePointer(p: Value | undefined): string[] {
  if (typeof p !== 'string') fail('path must be a string');
  if (p === '') return [];
  if (!p.startsWith('/')) fail(`invalid pointer ${JSON.stringify(p)}`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: Value, path: readonly string[]): Value {
  let cur = doc;
  for (const seg of path) {
    if (cur instanceof ObjectV) {
      const n = cur.getStr(seg);
      if (n === undefined) fail(`path /${path.join('/')} does not exist`);
      cur = n;
    } else if (Array.isArray(cur)) {
      const i = index(seg, cur.length, false);
      cur = cur[i]!;
    } else fail(`path /${path.join('/')} does not exist`);
  }
  return cur;
}

function index(seg: string, len: number, forAdd: boolean): number {
  if (forAdd && seg === '-') return len;
  if (!/^(0|[1-9][0-9]*)$/.test(seg)) fail(`invalid array index ${seg}`);
  const i = Number(seg);
  if (i > len || (!forAdd && i === len)) fail(`array index ${seg} out of bounds`);
  return i;
}

/** Returns doc with `fn` applied to the container of the last path segment (copy on write). */
function update(doc: Value, path: readonly string[], fn: (parent: Value, last: string) => Value): Value {
  if (path.length === 0) fail('cannot modify the root here');
  if (path.length === 1) return fn(doc, path[0]!);
  const [head, ...rest] = path as [string, ...string[]];
  if (doc instanceof ObjectV) {
    const child = doc.getStr(head);
    if (child === undefined) fail(`path /${path.join('/')} does not exist`);
    const o = doc.clone();
    o.set(head, update(child, rest, fn));
    return o;
  }
  if (Array.isArray(doc)) {
    const i = index(head, doc.length, false);
    const a = doc.slice();
    a[i] = update(doc[i]!, rest, fn);
    return a;
  }
  return fail(`path /${path.join('/')} does not exist`);
}

function add(doc: Value, path: readonly string[], v: Value): Value {
  if (path.length === 0) return v;
  return update(doc, path, (parent, last) => {
    if (parent instanceof ObjectV) {
      const o = parent.clone();
      o.set(last, v);
      return o;
    }
    if (Array.isArray(parent)) {
      const a = parent.slice();
      a.splice(index(last, parent.length, true), 0, v);
      return a;
    }
    return fail('parent is not a container');
  });
}

function remove(doc: Value, path: readonly string[]): Value {
  return update(doc, path, (parent, last) => {
    if (parent instanceof ObjectV) {
      if (parent.getStr(last) === undefined) fail(`path /${path.join('/')} does not exist`);
      const o = parent.clone();
      o.delete(last);
      return o;
    }
    if (Array.isArray(parent)) {
      const a = parent.slice();
      a.splice(index(last, parent.length, false), 1);
      return a;
    }
    return fail('parent is not a container');
  });
}

/**
 * Applies an RFC 6902 JSON patch. Pure: returns the new document and never changes `doc`, so a
 * failing patch leaves the caller's state untouched (the operation is atomic).
 */
export function applyJsonPatch(doc: Value, ops: Value): Value {
  if (!Array.isArray(ops)) fail('ops must be an array');
  let cur = doc;
  for (const op of ops) {
    if (!(op instanceof ObjectV)) fail('each op must be an object');
    const kind = op.getStr('op');
    const path = parsePointer(op.getStr('path'));
    switch (kind) {
      case 'add':
        cur = add(cur, path, need(op, 'value'));
        break;
      case 'remove':
        cur = remove(cur, path);
        break;
      case 'replace':
        get(cur, path);
        cur = add(path.length === 0 ? cur : remove(cur, path), path, need(op, 'value'));
        break;
      case 'move': {
        const from = parsePointer(op.getStr('from'));
        const v = get(cur, from);
        cur = add(remove(cur, from), path, v);
        break;
      }
      case 'copy':
        cur = add(cur, path, get(cur, parsePointer(op.getStr('from'))));
        break;
      case 'test':
        if (!equal(get(cur, path), need(op, 'value'))) fail(`test failed at /${path.join('/')}`);
        break;
      default:
        fail(`unknown op ${JSON.stringify(kind)}`);
    }
  }
  return cur;
}

function need(op: ObjectV, key: string): Value {
  const v = op.getStr(key);
  if (v === undefined) fail(`op is missing "${key}"`);
  return v;
}
