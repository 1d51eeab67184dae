import { MAX_JSON_DEPTH } from './jcs.js';

/**
 * Whether bytes [start, end) of `b` are exactly the RFC 8785 serialization of some JSON value,
 * decided in one pass without building the value: replay checks every record's content, and
 * parsing plus re-serializing a million records costs more than hashing them. Equivalent to
 * `canonicalize(JSON.parse(text)) === text` for valid UTF-8 (the record scan guarantees it);
 * measure/test/vectors.test.ts checks that equivalence on random input.
 */
export function isCanonicalJson(b: Buffer, start: number, end: number): boolean {
  const p = new Checker(b, end);
  return p.value(start, 0) === end;
}

// Digits, and the bytes a canonical string may carry unescaped: anything but '"', '\', controls.
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?(e[+-]\d+)?$/;

class Checker {
  constructor(
    private readonly b: Buffer,
    private readonly end: number,
  ) {}

  /** Checks the value at i; returns the index after it, or -1. */
  value(i: number, depth: number): number {
    if (i >= this.end || depth > MAX_JSON_DEPTH) return -1;
    const c = this.b[i]!;
    if (c === 0x7b) return this.object(i, depth);
    if (c === 0x5b) return this.array(i, depth);
    if (c === 0x22) return this.string(i);
    if (c === 0x74) return this.word(i, 'true');
    if (c === 0x66) return this.word(i, 'false');
    if (c === 0x6e) return this.word(i, 'null');
    return this.number(i);
  }

  private word(i: number, w: string): number {
    return this.b.toString('latin1', i, i + w.length) === w ? i + w.length : -1;
  }

  private number(i: number): number {
    let j = i;
    while (j < this.end) {
      const c = this.b[j]!;
      if (!(isDigit(c) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45)) break;
      j++;
    }
    const text = this.b.toString('latin1', i, j);
    // Canonical numbers are ECMAScript's own rendering of themselves (RFC 8785 §3.2.2.3).
    if (j === i || !NUMBER.test(text) || String(Number(text)) !== text) return -1;
    return j;
  }

  /** A canonical string: no raw controls, only the mandatory escapes, lower-case \u00xx. */
  private string(i: number): number {
    const b = this.b;
    for (let j = i + 1; j < this.end; j++) {
      const c = b[j]!;
      if (c === 0x22) return j + 1;
      if (c < 0x20) return -1;
      if (c !== 0x5c) continue;
      const e = b[++j];
      if (e === 0x22 || e === 0x5c || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74)
        continue;
      if (e !== 0x75 || j + 4 >= this.end) return -1;
      const hex = b.toString('latin1', j + 1, j + 5);
      if (!/^00[01][0-9a-f]$/.test(hex)) return -1;
      const cp = Number.parseInt(hex, 16);
      if (cp === 0x08 || cp === 0x09 || cp === 0x0a || cp === 0x0c || cp === 0x0d) return -1;
      j += 4;
    }
    return -1;
  }

  private array(i: number, depth: number): number {
    let j = i + 1;
    if (this.b[j] === 0x5d) return j + 1;
    for (;;) {
      j = this.value(j, depth + 1);
      if (j < 0 || j >= this.end) return -1;
      if (this.b[j] === 0x5d) return j + 1;
      if (this.b[j] !== 0x2c) return -1;
      j++;
    }
  }

  private object(i: number, depth: number): number {
    let j = i + 1;
    if (this.b[j] === 0x7d) return j + 1;
    let prevStart = -1;
    let prevEnd = -1;
    for (;;) {
      if (this.b[j] !== 0x22) return -1;
      const keyEnd = this.string(j);
      if (keyEnd < 0) return -1;
      if (prevStart >= 0 && !this.keyBefore(prevStart, prevEnd, j, keyEnd)) return -1;
      prevStart = j;
      prevEnd = keyEnd;
      if (this.b[keyEnd] !== 0x3a) return -1;
      j = this.value(keyEnd + 1, depth + 1);
      if (j < 0 || j >= this.end) return -1;
      if (this.b[j] === 0x7d) return j + 1;
      if (this.b[j] !== 0x2c) return -1;
      j++;
    }
  }

  /** Strict UTF-16 code-unit order of two keys (RFC 8785 §3.2.3); equal keys are duplicates. */
  private keyBefore(as: number, ae: number, bs: number, be: number): boolean {
    const b = this.b;
    let plain = true;
    for (let k = as; k < ae && plain; k++) if (b[k]! >= 0x80 || b[k] === 0x5c) plain = false;
    for (let k = bs; k < be && plain; k++) if (b[k]! >= 0x80 || b[k] === 0x5c) plain = false;
    if (plain) return b.compare(b, bs, be - 1, as, ae - 1) < 0;
    const x = JSON.parse(b.toString('utf8', as, ae)) as string;
    const y = JSON.parse(b.toString('utf8', bs, be)) as string;
    return x < y;
  }
}
