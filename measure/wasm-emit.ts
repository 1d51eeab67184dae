/**
 * The few WebAssembly binary-format pieces Ward's SHA-512 module needs (core spec §5): LEB128,
 * vectors, sections, and the opcodes used. Emitting bytes directly avoids a toolchain.
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
}

/** Signed LEB128 of a 64-bit value. */
export function sleb(x: bigint): number[] {
  let v = BigInt.asIntN(64, x);
  const o: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && !(b & 0x40)) || (v === -1n && b & 0x40)) return [...o, b];
    o.push(b | 0x80);
  }
}

/** A vector: count then items. */
export const vec = (items: readonly number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A section: id, size, contents. */
export const section = (id: number, bytes: readonly number[]): number[] => [
  id,
  ...uleb(bytes.length),
  ...bytes,
];
/** A name (export names). */
export const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'ascii')];

/** Value types. */
export const I32 = 0x7f;
/** WebAssembly value type i64. */
export const I64 = 0x7e;

/** Instructions (one helper per opcode family used). */
export const op = {
  get: (i: number): number[] => [0x20, ...uleb(i)],
  set: (i: number): number[] => [0x21, ...uleb(i)],
  tee: (i: number): number[] => [0x22, ...uleb(i)],
  i32: (v: number): number[] => [0x41, ...sleb(BigInt(v))],
  i64: (v: bigint): number[] => [0x42, ...sleb(v)],
  /** i64.load / i64.store with a constant offset added to the address on the stack. */
  load64: (off: number): number[] => [0x29, 3, ...uleb(off)],
  store64: (off: number): number[] => [0x37, 3, ...uleb(off)],
  store8: (off: number): number[] => [0x3a, 0, ...uleb(off)],
  call: (f: number): number[] => [0x10, ...uleb(f)],
  /** memory.copy (dest, src, n) and memory.fill (dest, value, n): bulk-memory instructions. */
  copy: [0xfc, 10, 0, 0],
  fill: [0xfc, 11, 0],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (d: number): number[] => [0x0c, d],
  brIf: (d: number): number[] => [0x0d, d],
  ret: [0x0f],
  select: [0x1b],
  i32eqz: [0x45],
  i32geU: [0x4f],
  i32leU: [0x4d],
  i32add: [0x6a],
  i32sub: [0x6b],
  i32and: [0x71],
  i32shl: [0x74],
  i32shrU: [0x76],
  i64ne: [0x52],
  i64add: [0x7c],
  i64and: [0x83],
  i64or: [0x84],
  i64xor: [0x85],
  i64shl: [0x86],
  i64shrU: [0x88],
  i64rotr: [0x8a],
  i64extendI32U: [0xad],
} as const;
