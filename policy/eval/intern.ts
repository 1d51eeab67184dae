import { Dec, equal, ObjectV, type SetV, type Value } from '../value/index.js';

// Ids for composite values (arrays, objects, sets) that equal values share, so that a memo
// keyed by them (call-memo.ts) finds what an equal value computed before: each request's
// `input.process` is a new object, but usually the same value as the last one's. An object's id
// is worked out once and kept beside it (values are immutable); a new object is hashed, and the
// candidates with its hash are compared with `equal`, which decides alone: the hash only picks
// whom to compare with, so collisions cost a comparison, never a wrong id.

/**
 * Most values kept as the representatives of their ids, and most memory among them (an
 * estimate: {@link MEMBER_BYTES} per member, two bytes per string character). They are kept in
 * two generations of half that each: when the young one is full it becomes the old one and the
 * old one is dropped, and a value found in the old one moves back into the young. So a value
 * looked up within the last half of the bound is always found (a call's key and the key of its
 * copy, made right after, agree), and only values unused for that long stop being shared.
 * A pod's repeated requests need a few dozen; a stream of requests all unlike each other just
 * cycles through the table.
 */
export const INTERNED_VALUES_MAX = 1024;
/** See {@link INTERNED_VALUES_MAX}. */
export const INTERNED_BYTES_MAX = 8 * 1024 * 1024;
/** What one member of a kept value is counted as (an object entry or an array element, with V8's overhead). */
export const MEMBER_BYTES = 64;

/**
 * Most values kept under one hash. Requests can be made to collide (the hash is cheap, not
 * keyed), and each lookup compares with every value kept under its hash: past this, a value
 * gets an id of its own and is not kept, so a lookup costs at most twice this many comparisons
 * (one bucket per generation).
 */
export const INTERNED_PER_HASH_MAX = 8;

/** Levels of a value the hash looks at; deeper ones are left to `equal`. */
const HASH_DEPTH = 16;
/** Characters of a string the hash reads from each end; the rest is left to `equal`. */
const HASH_CHARS = 32;

interface Interned {
  readonly value: Value;
  readonly id: number;
  readonly weight: number;
}

/** One generation of kept values, by hash. */
class Generation {
  readonly byHash = new Map<number, Interned[]>();
  kept = 0;
  weight = 0;

  find(h: number, v: Value): Interned | undefined {
    const bucket = this.byHash.get(h);
    if (bucket === undefined) return undefined;
    for (const c of bucket) if (equal(c.value, v)) return c;
    return undefined;
  }

  /** Whether one more value of this weight fits. */
  fits(weight: number): boolean {
    return this.kept < GENERATION_VALUES && this.weight + weight <= GENERATION_BYTES;
  }

  /** Keeps `c` under `h` unless its bucket is full. */
  add(h: number, c: Interned): void {
    let bucket = this.byHash.get(h);
    if (bucket === undefined) this.byHash.set(h, (bucket = []));
    else if (bucket.length >= INTERNED_PER_HASH_MAX) return;
    bucket.push(c);
    this.kept++;
    this.weight += c.weight;
  }
}

const GENERATION_VALUES = INTERNED_VALUES_MAX / 2;
const GENERATION_BYTES = INTERNED_BYTES_MAX / 2;

const ids = new WeakMap<object, number>();
let young = new Generation();
let old = new Generation();
let nextId = 0;
// The estimated bytes of the value being hashed, and whether the hash left parts of
// it unread (module variables rather than a return value: hashing must not allocate).
let hashedWeight = 0;
let truncated = false;

/** The id of a composite value: equal to another's only when the values are equal. */
export function valueId(v: readonly Value[] | ObjectV | SetV): number {
  let id = ids.get(v);
  if (id !== undefined) return id;
  hashedWeight = 0;
  truncated = false;
  const h = hashOf(v, 0);
  const found = young.find(h, v);
  if (found !== undefined) {
    ids.set(v, found.id);
    return found.id;
  }
  const aged = old.find(h, v);
  if (aged !== undefined) {
    keep(h, aged);
    ids.set(v, aged.id);
    return aged.id;
  }
  id = nextId++;
  // A value deeper than the hash reads has a weight that was not counted: it gets an id of its
  // own but is not kept, so that what is kept stays within the bounds.
  if (!truncated && hashedWeight <= GENERATION_BYTES) keep(h, { value: v, id, weight: hashedWeight });
  ids.set(v, id);
  return id;
}

function keep(h: number, c: Interned): void {
  if (!young.fits(c.weight)) {
    old = young;
    young = new Generation();
  }
  young.add(h, c);
}

// MurmurHash3's per-block step: every bit of x moves the whole of h.
function mix(h: number, x: number): number {
  let k = Math.imul(x, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

// By the nearest double, both halves of it: the low bits of an integer that came from a large
// double are all zero, so they alone would put all such numbers under one hash.
function hashNumber(h: number, x: number): number {
  f64[0] = x;
  return mix(mix(h, i32[0]!), i32[1]!);
}

function hashString(h: number, s: string): number {
  const n = s.length;
  hashedWeight += 2 * n;
  h = mix(h, n);
  if (n <= 2 * HASH_CHARS) {
    for (let i = 0; i < n; i++) h = mix(h, s.charCodeAt(i));
  } else {
    for (let i = 0; i < HASH_CHARS; i++) h = mix(h, s.charCodeAt(i));
    for (let i = n - HASH_CHARS; i < n; i++) h = mix(h, s.charCodeAt(i));
  }
  return h;
}

function hashOf(v: Value, depth: number): number {
  hashedWeight += MEMBER_BYTES;
  if (typeof v === 'string') return hashString(0x73, v);
  if (v === null) return 0x7a;
  if (typeof v === 'boolean') return v ? 0x74 : 0x66;
  if (typeof v === 'bigint') return hashNumber(0x69, Number(v));
  if (v instanceof Dec) return mix(hashNumber(0x64, Number(v.m)), v.s);
  if (depth >= HASH_DEPTH) {
    truncated = true;
    return 0x2e;
  }
  let h: number;
  if (Array.isArray(v)) {
    h = mix(0x41, v.length);
    for (let i = 0; i < v.length; i++) h = mix(h, hashOf(v[i]!, depth + 1));
  } else if (v instanceof ObjectV) {
    h = mix(0x4f, v.size);
    for (const [k, x] of v.rawEntries()) h = mix(mix(h, hashOf(k, depth + 1)), hashOf(x, depth + 1));
  } else {
    const s = v as SetV;
    h = mix(0x53, s.size);
    for (const x of s.rawValues()) h = mix(h, hashOf(x, depth + 1));
  }
  return h;
}
