import { formatNumber } from './number.js';
import { Dec, installOrdering, ObjectV, SetV, type Value } from './types.js';

// OPA's sort order of value kinds (ast/compare.go): null < boolean < number < string < array
// < object < set. Var and ref terms sit between string and array but never occur in values.
function rank(v: Value): number {
  if (v === null) return 0;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'bigint':
      return 2;
    case 'string':
      return 3;
  }
  if (v instanceof Dec) return 2;
  if (Array.isArray(v)) return 6;
  if (v instanceof ObjectV) return 7;
  return 8;
}

function cmpStr(a: string, b: string): number {
  if (a === b) return 0;
  // Go compares UTF-8 bytes, i.e. code points; UTF-16 order differs only around surrogates.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

function cmpNum(a: bigint | Dec, b: bigint | Dec): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const [am, as] = typeof a === 'bigint' ? [a, 0] : [a.m, a.s];
  const [bm, bs] = typeof b === 'bigint' ? [b, 0] : [b.m, b.s];
  const x = as >= bs ? am : am * 10n ** BigInt(bs - as);
  const y = bs >= as ? bm : bm * 10n ** BigInt(as - bs);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Total order over Rego values, as OPA sorts them (sets, object keys, `sort`, comparisons). */
export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a === false ? -1 : 1;
    case 2:
      return cmpNum(a as bigint | Dec, b as bigint | Dec);
    case 3:
      return cmpStr(a as string, b as string);
    case 6: {
      const x = a as readonly Value[];
      const y = b as readonly Value[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
    }
    case 7: {
      const x = (a as ObjectV).entries();
      const y = (b as ObjectV).entries();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]![0], y[i]![0]);
        if (c !== 0) return c;
        const d = compare(x[i]![1], y[i]![1]);
        if (d !== 0) return d;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
    default: {
      const x = (a as SetV).values();
      const y = (b as SetV).values();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
  }
}

/** Structural equality (1 == 1.0; sets and objects by content). */
export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Dec) return b instanceof Dec && a.m === b.m && a.s === b.s;
  if (a instanceof ObjectV) {
    if (!(b instanceof ObjectV) || a.size !== b.size) return false;
    for (const [k, v] of a.rawEntries()) {
      const w = b.get(k);
      if (w === undefined || !equal(v, w)) return false;
    }
    return true;
  }
  if (a instanceof SetV) {
    if (!(b instanceof SetV) || a.size !== b.size) return false;
    for (const v of a.rawValues()) if (!b.has(v)) return false;
    return true;
  }
  return false;
}

/** Canonical, unambiguous text of a value; equal values have equal text. */
export function canonical(v: Value): string {
  if (v === null) return 'n';
  switch (typeof v) {
    case 'boolean':
      return v ? 't' : 'f';
    case 'bigint':
      return `#${v}`;
    case 'string':
      return JSON.stringify(v);
  }
  if (v instanceof Dec) return `#${formatNumber(v)}`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof ObjectV) {
    if (v.hash === null) {
      const parts = [...v.rawEntries()].map(([k, x]) => `${canonical(k)}:${canonical(x)}`).sort();
      v.hash = `{${parts.join(',')}}`;
    }
    return v.hash;
  }
  const s = v as SetV;
  if (s.hash === null) s.hash = `<${[...s.rawValues()].map(canonical).sort().join(',')}>`;
  return s.hash;
}

installOrdering((v) => `\u0000${canonical(v)}`, compare);
