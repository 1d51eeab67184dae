import { hash } from 'node:crypto';

/**
 * SHA-384 and SHA-512 for small inputs, compiled at load time into a WebAssembly module that
 * Ward emits byte by byte below. Why: replay hashes two ~100-byte inputs per record, and node's
 * crypto binding spends several microseconds of fixed cost per call, five times the compression
 * itself. A self-test against node's crypto runs at load; on any mismatch, or without
 * WebAssembly, {@link wasmSha} returns undefined and callers use node's crypto.
 */

/** Largest input hashed in WebAssembly; bigger inputs go to node's crypto (no fixed-cost problem). */
export const WASM_SHA_MAX_INPUT = 64 * 1024;

// Memory layout (bytes): state 0..64, output 64..128, message schedule W 128..768,
// round constants K 768..1408, message from 2048.
const STATE = 0;
const OUT = 64;
const W = 128;
const K = 768;
const MSG = 2048;
const PAGES = Math.ceil((MSG + WASM_SHA_MAX_INPUT + 256) / 65536);

const uleb = (n: number): number[] => {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
};
const sleb = (x: bigint): number[] => {
  let v = BigInt.asIntN(64, x);
  const o: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && !(b & 0x40)) || (v === -1n && b & 0x40)) return [...o, b];
    o.push(b | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'ascii')];
const I32 = 0x7f;
const I64 = 0x7e;
const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
const tee = (i: number): number[] => [0x22, i];
const c32 = (v: number): number[] => [0x41, ...sleb(BigInt(v))];
const c64 = (v: bigint): number[] => [0x42, ...sleb(v)];
/** i64.load / i64.store at a constant offset from the address on the stack. */
const ld = (off: number): number[] => [0x29, 3, ...uleb(off)];
const st = (off: number): number[] => [0x37, 3, ...uleb(off)];
const ADD = 0x7c;
const AND = 0x83;
const OR = 0x84;
const XOR = 0x85;
const SHL = 0x86;
const SHR = 0x88;
const ROTR = 0x8a;
const rot = (n: number): number[] => [...c64(BigInt(n)), ROTR];
const shr = (n: number): number[] => [...c64(BigInt(n)), SHR];
// Locals: 0 ptr (i32), 1 blocks left (i32), 2..9 working variables (i64), 10 scratch (i64).
const X = 10;
const mem = (off: number): number[] => [...c32(0), ...ld(off)];

/** Reverses the bytes of the i64 on the stack (SHA-512 is big-endian, WebAssembly little). */
function bswap(): number[] {
  return [
    ...rot(32),
    ...tee(X),
    ...c64(0xffff0000ffff0000n),
    AND,
    ...shr(16),
    ...get(X),
    ...c64(0x0000ffff0000ffffn),
    AND,
    ...c64(16n),
    SHL,
    OR,
    ...tee(X),
    ...c64(0xff00ff00ff00ff00n),
    AND,
    ...shr(8),
    ...get(X),
    ...c64(0x00ff00ff00ff00ffn),
    AND,
    ...c64(8n),
    SHL,
    OR,
  ];
}

/** `blocks(ptr, n)`: compresses n 128-byte blocks at ptr into the state (FIPS 180-4 §6.4). */
function blocksBody(): number[] {
  const b: number[] = [0x02, 0x40, 0x03, 0x40, ...get(1), 0x45, 0x0d, 1];
  for (let t = 0; t < 16; t++) b.push(...c32(0), ...get(0), ...ld(8 * t), ...bswap(), ...st(W + 8 * t));
  for (let t = 16; t < 80; t++) {
    b.push(
      ...c32(0),
      ...mem(W + 8 * (t - 2)),
      ...tee(X),
      ...rot(19),
      ...get(X),
      ...rot(61),
      XOR,
      ...get(X),
      ...shr(6),
      XOR,
    );
    b.push(...mem(W + 8 * (t - 7)), ADD);
    b.push(
      ...mem(W + 8 * (t - 15)),
      ...tee(X),
      ...rot(1),
      ...get(X),
      ...rot(8),
      XOR,
      ...get(X),
      ...shr(7),
      XOR,
      ADD,
    );
    b.push(...mem(W + 8 * (t - 16)), ADD, ...st(W + 8 * t));
  }
  let r = [2, 3, 4, 5, 6, 7, 8, 9];
  for (let i = 0; i < 8; i++) b.push(...mem(STATE + 8 * i), ...set(r[i]!));
  for (let t = 0; t < 80; t++) {
    const [a, bb, c, d, e, f, g, h] = r as [number, number, number, number, number, number, number, number];
    // T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t]; d += T1; h = T1 + Σ0(a) + Maj(a,b,c); then rename.
    b.push(...get(h), ...get(e), ...rot(14), ...get(e), ...rot(18), XOR, ...get(e), ...rot(41), XOR, ADD);
    b.push(...get(g), ...get(e), ...get(f), ...get(g), XOR, AND, XOR, ADD);
    b.push(...mem(K + 8 * t), ADD, ...mem(W + 8 * t), ADD, ...set(X));
    b.push(...get(d), ...get(X), ADD, ...set(d));
    b.push(...get(X), ...get(a), ...rot(28), ...get(a), ...rot(34), XOR, ...get(a), ...rot(39), XOR, ADD);
    b.push(...get(a), ...get(bb), AND, ...get(c), ...get(a), ...get(bb), OR, AND, OR, ADD, ...set(h));
    r = [h, a, bb, c, d, e, f, g];
  }
  for (let i = 0; i < 8; i++)
    b.push(...c32(0), ...mem(STATE + 8 * i), ...get(r[i]!), ADD, ...st(STATE + 8 * i));
  b.push(...get(0), ...c32(128), 0x6a, ...set(0), ...get(1), ...c32(1), 0x6b, ...set(1), 0x0c, 0, 0x0b, 0x0b);
  return b;
}

/** `out()`: writes the state big-endian at OUT. */
function outBody(): number[] {
  const b: number[] = [];
  for (let i = 0; i < 8; i++) b.push(...c32(0), ...mem(STATE + 8 * i), ...bswap(), ...st(OUT + 8 * i));
  return b;
}

function moduleBytes(): Uint8Array {
  const fn = (code: number[]): number[] => {
    const body = [...vec([[10, I64]]), ...code, 0x0b];
    return [...uleb(body.length), ...body];
  };
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, vec([[0x60, ...vec([[I32], [I32]]), ...vec([])]])),
    ...section(3, vec([[0], [0]])),
    ...section(5, vec([[0x00, ...uleb(PAGES)]])),
    ...section(
      7,
      vec([
        [...name('blocks'), 0, 0],
        [...name('out'), 0, 1],
        [...name('mem'), 2, 0],
      ]),
    ),
    ...section(10, vec([fn(blocksBody()), fn(outBody())])),
  ]);
}

function firstPrimes(n: number): number[] {
  const p: number[] = [];
  for (let i = 2; p.length < n; i++) if (p.every((q) => i % q !== 0)) p.push(i);
  return p;
}
function iroot(n: bigint, k: 2n | 3n): bigint {
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / Number(k)) + 1);
  for (;;) {
    const y = ((k - 1n) * x + n / x ** (k - 1n)) / k;
    if (y >= x) return x;
    x = y;
  }
}

// The lib settings carry no WebAssembly declarations; this is the little Ward uses.
const WA = (
  globalThis as unknown as {
    WebAssembly?: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object) => { exports: unknown };
    };
  }
).WebAssembly;

interface Engine {
  readonly blocks: (ptr: number, n: number) => void;
  readonly out: (a: number, b: number) => void;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly iv: { readonly sha384: Uint8Array; readonly sha512: Uint8Array };
}

function build(): Engine | undefined {
  try {
    if (!WA) return undefined;
    const inst = new WA.Instance(new WA.Module(moduleBytes()));
    const ex = inst.exports as { blocks: Engine['blocks']; out: Engine['out']; mem: { buffer: ArrayBuffer } };
    const dv = new DataView(ex.mem.buffer);
    const primes = firstPrimes(80);
    const M64 = (1n << 64n) - 1n;
    // FIPS 180-4 §4.2.3 and §5.3.4–5.3.5, derived rather than transcribed.
    for (const [i, p] of primes.entries())
      dv.setBigUint64(K + 8 * i, iroot(BigInt(p) << 192n, 3n) & M64, true);
    const iv = (ps: number[]): Uint8Array => {
      const b = new Uint8Array(64);
      const v = new DataView(b.buffer);
      for (const [i, p] of ps.entries()) v.setBigUint64(8 * i, iroot(BigInt(p) << 128n, 2n) & M64, true);
      return b;
    };
    const e: Engine = {
      blocks: ex.blocks,
      out: ex.out,
      u8: new Uint8Array(ex.mem.buffer),
      dv,
      iv: { sha384: iv(primes.slice(8, 16)), sha512: iv(primes.slice(0, 8)) },
    };
    for (const len of [0, 1, 111, 112, 127, 128, 129, 300]) {
      const data = Buffer.alloc(len, len & 0xff);
      for (const alg of ['sha384', 'sha512'] as const) {
        if (!run(e, alg, [data]).equals(hash(alg, data, 'buffer'))) return undefined;
      }
    }
    return e;
  } catch {
    return undefined;
  }
}

function run(e: Engine, alg: 'sha384' | 'sha512', parts: readonly Uint8Array[]): Buffer {
  e.u8.set(e.iv[alg], STATE);
  let n = 0;
  for (const p of parts) {
    e.u8.set(p, MSG + n);
    n += p.length;
  }
  return finish(e, alg, n);
}

/** Pads the n message bytes at MSG (FIPS 180-4 §5.1.2), compresses, returns the digest. */
function finish(e: Engine, alg: 'sha384' | 'sha512', n: number): Buffer {
  const total = Math.ceil((n + 17) / 128) * 128;
  e.u8.fill(0, MSG + n, MSG + total);
  e.u8[MSG + n] = 0x80;
  const bits = n * 8;
  e.dv.setUint32(MSG + total - 8, Math.floor(bits / 2 ** 32));
  e.dv.setUint32(MSG + total - 4, bits >>> 0);
  e.blocks(MSG, total / 128);
  e.out(0, 0);
  return Buffer.from(e.u8.subarray(OUT, OUT + (alg === 'sha384' ? 48 : 64)));
}

const engine = build();

/**
 * SHA-384 or SHA-512 of the concatenation of `parts` in WebAssembly, or undefined when the
 * engine is unavailable or the input is larger than {@link WASM_SHA_MAX_INPUT}.
 */
export function wasmSha(alg: 'sha384' | 'sha512', parts: readonly Uint8Array[]): Buffer | undefined {
  if (!engine) return undefined;
  let n = 0;
  for (const p of parts) n += p.length;
  return n > WASM_SHA_MAX_INPUT ? undefined : run(engine, alg, parts);
}

/**
 * SHA-384/512 of `prefix || src[start, end)` without slicing `src` (replay hashes straight out
 * of the log buffer), or undefined like {@link wasmSha}.
 */
export function wasmShaRange(
  alg: 'sha384' | 'sha512',
  prefix: Uint8Array | undefined,
  src: Buffer,
  start: number,
  end: number,
): Buffer | undefined {
  const p = prefix?.length ?? 0;
  if (!engine || p + end - start > WASM_SHA_MAX_INPUT) return undefined;
  const e = engine;
  e.u8.set(e.iv[alg], STATE);
  if (prefix) e.u8.set(prefix, MSG);
  src.copy(e.u8, MSG + p, start, end);
  return finish(e, alg, p + end - start);
}
