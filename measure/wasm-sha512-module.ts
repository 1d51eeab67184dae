import { I32, I64, name, op, section, uleb, vec } from './wasm-emit.js';

/**
 * The bytes of Ward's SHA-384/512 WebAssembly module (FIPS 180-4 §6.4), unrolled. Memory
 * layout (bytes) shared with wasm-sha512.ts:
 */
export const LAYOUT = {
  STATE: 0,
  OUT: 64,
  K: 768,
  /** The register value a replay chain extends. */
  VALUE: 1408,
  /** The initial hash value of the chain's algorithm (SHA-384 or SHA-512). */
  IV: 1472,
  SCRATCH: 1536,
  EXT: 1792,
  /** Small messages (wasmSha). */
  MSG: 2048,
  /** Log windows (replay). */
  CHUNK: 131072,
} as const;
/** Largest input the small-message path takes. */
export const MSG_MAX = 64 * 1024;
/** Bytes of log a replay window holds (a record is at most 1 MiB + 82 bytes). */
export const CHUNK_SIZE = 4 * 1024 * 1024;
const PAGES = (LAYOUT.CHUNK + CHUNK_SIZE) / 65536;

const { STATE, OUT, VALUE, IV, SCRATCH, EXT } = LAYOUT;
const { get, set, tee, i32, i64, load64, store64 } = op;
const rot = (n: number): number[] => [...i64(BigInt(n)), ...op.i64rotr];
const shr = (n: number): number[] => [...i64(BigInt(n)), ...op.i64shrU];
const at = (off: number): number[] => [...i32(0), ...load64(off)];

/** Byte-reverses the i64 on the stack, using local x (SHA-512 is big-endian, WebAssembly little). */
function bswap(x: number): number[] {
  const swap = (mask: bigint, n: number): number[] => [
    ...tee(x),
    ...i64(mask),
    ...op.i64and,
    ...shr(n),
    ...get(x),
    ...i64(mask >> BigInt(n)),
    ...op.i64and,
    ...i64(BigInt(n)),
    ...op.i64shl,
    ...op.i64or,
  ];
  return [...rot(32), ...swap(0xffff0000ffff0000n, 16), ...swap(0xff00ff00ff00ff00n, 8)];
}

/**
 * f0 `blocks(ptr, n)`: compresses n blocks at ptr into STATE. Locals 2..9 a..h, 10 scratch,
 * 11..26 the message schedule as a rolling window of 16 words (no memory round trips), 27 b^c
 * carried between rounds for Maj. The round constants are immediates, saving a load per round.
 */
function blocks(k: readonly bigint[]): number[] {
  const X = 10;
  const w = (t: number): number => 11 + (t % 16);
  const BC = 27;
  const AB = 28;
  const b: number[] = [...op.block, ...op.loop, ...get(1), ...op.i32eqz, ...op.brIf(1)];
  for (let t = 0; t < 16; t++) b.push(...get(0), ...load64(8 * t), ...bswap(X), ...set(w(t)));
  let r = [2, 3, 4, 5, 6, 7, 8, 9];
  for (let i = 0; i < 8; i++) b.push(...at(STATE + 8 * i), ...set(r[i]!));
  b.push(...get(3), ...get(4), ...op.i64xor, ...set(BC));
  for (let t = 0; t < 80; t++) {
    const [a, bb, c, d, e, f, g, h] = r as [number, number, number, number, number, number, number, number];
    if (t >= 16) {
      // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], over the slot W[t-16] held.
      // σ1(x) = rotr(x ^ rotr(x, 42), 19) ^ x >>> 6, σ0(x) = rotr(x ^ rotr(x, 7), 1) ^ x >>> 7.
      b.push(...get(w(t - 2)), ...get(w(t - 2)), ...rot(42), ...op.i64xor, ...rot(19));
      b.push(...get(w(t - 2)), ...shr(6), ...op.i64xor, ...get(w(t - 7)), ...op.i64add);
      b.push(...get(w(t - 15)), ...get(w(t - 15)), ...rot(7), ...op.i64xor, ...rot(1));
      b.push(...get(w(t - 15)), ...shr(7), ...op.i64xor, ...op.i64add, ...get(w(t)), ...op.i64add);
      b.push(...set(w(t)));
    }
    // T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t]; d += T1; h = T1 + Σ0(a) + Maj(a,b,c); rename.
    // Σ1(e) = rotr(e ^ rotr(e ^ rotr(e, 23), 4), 14), the nested form: fewer registers live.
    b.push(...get(h), ...get(e), ...get(e), ...rot(23), ...op.i64xor, ...rot(4), ...get(e), ...op.i64xor);
    b.push(...rot(14), ...op.i64add, ...get(g), ...get(e), ...get(f), ...get(g), ...op.i64xor);
    b.push(...op.i64and, ...op.i64xor, ...op.i64add, ...i64(k[t]!), ...op.i64add, ...get(w(t)));
    b.push(...op.i64add, ...set(X), ...get(d), ...get(X), ...op.i64add, ...set(d));
    // Σ0(a) = rotr(a ^ rotr(a ^ rotr(a, 5), 6), 28).
    b.push(...get(X), ...get(a), ...get(a), ...rot(5), ...op.i64xor, ...rot(6), ...get(a), ...op.i64xor);
    // Maj(a,b,c) = ((a^b) & (b^c)) ^ b, and this round's a^b is the next round's b^c.
    b.push(...rot(28), ...op.i64add, ...get(a), ...get(bb), ...op.i64xor, ...tee(AB), ...get(BC));
    b.push(...op.i64and, ...get(bb), ...op.i64xor, ...op.i64add, ...set(h), ...get(AB), ...set(BC));
    r = [h, a, bb, c, d, e, f, g];
  }
  for (let i = 0; i < 8; i++)
    b.push(...i32(0), ...at(STATE + 8 * i), ...get(r[i]!), ...op.i64add, ...store64(STATE + 8 * i));
  b.push(...get(0), ...i32(128), ...op.i32add, ...set(0), ...get(1), ...i32(1), ...op.i32sub, ...set(1));
  b.push(...op.br(0), ...op.end, ...op.end);
  return b;
}

/** f1 `out()`: STATE big-endian into OUT. */
function out(): number[] {
  const b: number[] = [];
  for (let i = 0; i < 8; i++) b.push(...i32(0), ...at(STATE + 8 * i), ...bswap(10), ...store64(OUT + 8 * i));
  return b;
}

/** f2 `hashAt(ptr, len)`: the digest of len bytes at ptr into OUT, padding in SCRATCH. */
function hashAt(): number[] {
  const [P, LEN, X, FULL, TAIL, TOTAL] = [0, 1, 10, 11, 12, 13];
  return [
    ...i32(STATE),
    ...i32(IV),
    ...i32(64),
    ...op.copy,
    ...get(LEN),
    ...i32(-128),
    ...op.i32and,
    ...set(FULL),
    ...get(P),
    ...get(FULL),
    ...i32(7),
    ...op.i32shrU,
    ...op.call(0),
    ...get(LEN),
    ...get(FULL),
    ...op.i32sub,
    ...set(TAIL),
    ...i32(SCRATCH),
    ...i32(0),
    ...i32(256),
    ...op.fill,
    ...i32(SCRATCH),
    ...get(P),
    ...get(FULL),
    ...op.i32add,
    ...get(TAIL),
    ...op.copy,
    ...i32(SCRATCH),
    ...get(TAIL),
    ...op.i32add,
    ...i32(0x80),
    ...op.store8(0),
    ...i32(128),
    ...i32(256),
    ...get(TAIL),
    ...i32(17),
    ...op.i32add,
    ...i32(128),
    ...op.i32leU,
    ...op.select,
    ...set(TOTAL),
    ...i32(SCRATCH - 8),
    ...get(TOTAL),
    ...op.i32add,
    ...get(LEN),
    ...op.i64extendI32U,
    ...i64(3n),
    ...op.i64shl,
    ...bswap(X),
    ...store64(0),
    ...i32(SCRATCH),
    ...get(TOTAL),
    ...i32(7),
    ...op.i32shrU,
    ...op.call(0),
    ...i32(0),
    ...i32(0),
    ...op.call(1),
  ];
}

/**
 * f3 `check(data, len, digest, size) -> i32`: 1 when H(data) equals the size-byte digest at
 * `digest`, else 0. Compares 8 bytes at a time (digest sizes are multiples of 8).
 */
function check(): number[] {
  const [DATA, LEN, DIG, SIZE, I] = [0, 1, 2, 3, 4];
  return [
    ...get(DATA),
    ...get(LEN),
    ...op.call(2),
    ...i32(0),
    ...set(I),
    ...op.block,
    ...op.loop,
    ...get(I),
    ...get(SIZE),
    ...op.i32geU,
    ...op.brIf(1),
    ...get(I),
    ...load64(OUT),
    ...get(DIG),
    ...get(I),
    ...op.i32add,
    ...load64(0),
    ...op.i64ne,
    ...op.if,
    ...i32(0),
    ...op.ret,
    ...op.end,
    ...get(I),
    ...i32(8),
    ...op.i32add,
    ...set(I),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...i32(1),
  ];
}

/** f4 `extend(digest, size)`: VALUE = H(VALUE || the size-byte digest at `digest`). */
function extend(): number[] {
  const [DIG, SIZE] = [0, 1];
  return [
    ...i32(EXT),
    ...i32(VALUE),
    ...get(SIZE),
    ...op.copy,
    ...i32(EXT),
    ...get(SIZE),
    ...op.i32add,
    ...get(DIG),
    ...get(SIZE),
    ...op.copy,
    ...i32(EXT),
    ...get(SIZE),
    ...i32(1),
    ...op.i32shl,
    ...op.call(2),
    ...i32(VALUE),
    ...i32(OUT),
    ...get(SIZE),
    ...op.copy,
  ];
}

/** The module: functions blocks, out, hashAt, check, extend and the memory, all exported. */
export function moduleBytes(k: readonly bigint[]): Uint8Array {
  const fn = (locals: number[][], code: number[]): number[] => {
    const body = [...vec(locals), ...code, ...op.end];
    return [...uleb(body.length), ...body];
  };
  const two = [0x60, ...vec([[I32], [I32]]), ...vec([])];
  const four = [0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[I32]])];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, vec([two, four])),
    ...section(3, vec([[0], [0], [0], [1], [0]])),
    ...section(5, vec([[0x00, ...uleb(PAGES)]])),
    ...section(
      7,
      vec([
        [...name('blocks'), 0, 0],
        [...name('out'), 0, 1],
        [...name('hashAt'), 0, 2],
        [...name('check'), 0, 3],
        [...name('extend'), 0, 4],
        [...name('mem'), 2, 0],
      ]),
    ),
    ...section(
      10,
      vec([
        fn([[27, I64]], blocks(k)),
        fn([[9, I64]], out()),
        fn(
          [
            [9, I64],
            [3, I32],
          ],
          hashAt(),
        ),
        fn([[1, I32]], check()),
        fn([], extend()),
      ]),
    ),
  ]);
}
