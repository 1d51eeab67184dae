/**
 * Rego values: JSON plus sets, with exact numbers.
 *
 * Representation (chosen for speed on the Kata hot path, where strings and objects dominate):
 * - null, boolean and string are the JS primitives;
 * - numbers are `bigint` when integral and {@link Dec} otherwise (never an integral Dec), so that
 *   equality is structural and 1 == 1.0 holds without normalising at every comparison;
 * - arrays are plain JS arrays, treated as immutable once built;
 * - objects ({@link ObjectV}) and sets ({@link SetV}) are hash maps keyed by {@link keyOf}, so
 *   any value can be an object key or a set member.
 */
export type Value = null | boolean | bigint | Dec | string | readonly Value[] | ObjectV | SetV;

/** Rego type names as `type_name` reports them. */
export type TypeName = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set';

/** A non-integral exact decimal: `m * 10^-s`, with `s > 0` and `m` not divisible by 10. */
export class Dec {
  /** Builds a decimal; use {@link makeDecimal} to normalise arbitrary input. */
  constructor(
    readonly m: bigint,
    readonly s: number,
  ) {}
}

/** Returns the normalised number for `m * 10^-s`: a bigint when integral, else a {@link Dec}. */
export function makeDecimal(m: bigint, s: number): bigint | Dec {
  if (s <= 0) return s === 0 ? m : m * 10n ** BigInt(-s);
  while (s > 0 && m % 10n === 0n) {
    m /= 10n;
    s--;
  }
  return s === 0 ? m : new Dec(m, s);
}

/** True for Rego numbers. */
export function isNumber(v: Value | undefined): v is bigint | Dec {
  return typeof v === 'bigint' || v instanceof Dec;
}

/** True for Rego arrays. */
export function isArray(v: Value | undefined): v is readonly Value[] {
  return Array.isArray(v);
}

/** The Rego type name of a value. */
export function typeName(v: Value): TypeName {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'number';
    case 'string':
      return 'string';
  }
  if (Array.isArray(v)) return 'array';
  if (v instanceof ObjectV) return 'object';
  if (v instanceof SetV) return 'set';
  return 'number';
}

// The hashing and ordering functions live in compare.ts; these hooks break the import cycle.
let keyFn: (v: Value) => string = () => {
  throw new Error('value/compare.ts not loaded');
};
let cmpFn: (a: Value, b: Value) => number = () => 0;

/** Installs the key and comparison functions (called once by compare.ts). */
export function installOrdering(key: (v: Value) => string, cmp: (a: Value, b: Value) => number): void {
  keyFn = key;
  cmpFn = cmp;
}

/** The hash key of a value: strings map to themselves, everything else to a tagged canonical form. */
export function keyOf(v: Value): string {
  if (typeof v === 'string' && v.charCodeAt(0) !== 0) return v;
  return keyFn(v);
}

/** A Rego object: any value as key; iteration is in Rego's canonical key order. */
export class ObjectV {
  private readonly m = new Map<string, [Value, Value]>();
  private sorted: [Value, Value][] | null = null;
  /** Cached canonical hash key, set by compare.ts when this object is itself hashed. */
  hash: string | null = null;

  /** Builds an object from key/value pairs (later duplicates win). */
  static from(entries: Iterable<readonly [Value, Value]>): ObjectV {
    const o = new ObjectV();
    for (const [k, v] of entries) o.set(k, v);
    return o;
  }

  /** Number of keys. */
  get size(): number {
    return this.m.size;
  }

  /** Looks a key up. */
  get(k: Value): Value | undefined {
    return this.m.get(keyOf(k))?.[1];
  }

  /** Looks a string key up without hashing. */
  getStr(k: string): Value | undefined {
    return this.m.get(k.charCodeAt(0) !== 0 ? k : keyFn(k))?.[1];
  }

  /** True when the key is present. */
  has(k: Value): boolean {
    return this.m.has(keyOf(k));
  }

  /** Sets a key; only for objects under construction (values are immutable once shared). */
  set(k: Value, v: Value): void {
    this.m.set(keyOf(k), [k, v]);
    this.sorted = null;
    this.hash = null;
  }

  /** Removes a key; only for objects under construction. */
  delete(k: Value): void {
    this.m.delete(keyOf(k));
    this.sorted = null;
    this.hash = null;
  }

  /** Entries in canonical key order. */
  entries(): readonly (readonly [Value, Value])[] {
    if (this.sorted === null) {
      this.sorted = [...this.m.values()].sort((a, b) => cmpFn(a[0], b[0]));
    }
    return this.sorted;
  }

  /** Entries in insertion order (cheaper; for order-insensitive work). */
  rawEntries(): IterableIterator<[Value, Value]> {
    return this.m.values();
  }

  /** Keys in canonical order. */
  keys(): Value[] {
    return this.entries().map((e) => e[0]);
  }

  /** A shallow copy, for building a modified object. */
  clone(): ObjectV {
    const o = new ObjectV();
    for (const [h, e] of this.m) o.m.set(h, e);
    return o;
  }
}

/** A Rego set; iteration is in canonical order. */
export class SetV {
  private readonly m = new Map<string, Value>();
  private sorted: Value[] | null = null;
  /** Cached canonical hash key, set by compare.ts. */
  hash: string | null = null;

  /** Builds a set from members. */
  static from(items: Iterable<Value>): SetV {
    const s = new SetV();
    for (const v of items) s.add(v);
    return s;
  }

  /** Number of members. */
  get size(): number {
    return this.m.size;
  }

  /** True when `v` is a member. */
  has(v: Value): boolean {
    return this.m.has(keyOf(v));
  }

  /** Adds a member; only for sets under construction. */
  add(v: Value): void {
    const k = keyOf(v);
    if (!this.m.has(k)) {
      this.m.set(k, v);
      this.sorted = null;
      this.hash = null;
    }
  }

  /** Members in canonical order. */
  values(): readonly Value[] {
    if (this.sorted === null) this.sorted = [...this.m.values()].sort(cmpFn);
    return this.sorted;
  }

  /** Members in insertion order. */
  rawValues(): IterableIterator<Value> {
    return this.m.values();
  }

  /** A shallow copy, for building a modified set. */
  clone(): SetV {
    const s = new SetV();
    for (const [h, v] of this.m) s.m.set(h, v);
    return s;
  }
}
