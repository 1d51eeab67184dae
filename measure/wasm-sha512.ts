import { hash } from 'node:crypto';
import { CHUNK_SIZE, LAYOUT, MSG_MAX, moduleBytes } from './wasm-sha512-module.js';

/**
 * SHA-384 and SHA-512 in a WebAssembly module Ward emits itself (wasm-sha512-module.ts). Why:
 * replay hashes two ~100-byte inputs per record, and node's crypto binding spends several
 * microseconds of fixed cost per call, several times the compression itself. A self-test
 * against node's crypto runs at load; on any mismatch, or without WebAssembly, every function
 * here returns undefined and callers use node's crypto.
 */

/** Largest input the small-message functions hash in WebAssembly. */
export const WASM_SHA_MAX_INPUT = MSG_MAX;

// The lib settings carry no WebAssembly declarations; this is the little Ward uses.
const WA = (
  globalThis as unknown as {
    WebAssembly?: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object) => { exports: unknown };
    };
  }
).WebAssembly;

type Alg = 'sha384' | 'sha512';

interface Engine {
  readonly hashAt: (ptr: number, len: number) => void;
  readonly check: (data: number, len: number, digest: number, size: number) => number;
  readonly extend: (digest: number, size: number) => void;
  readonly u8: Uint8Array;
  readonly iv: Readonly<Record<Alg, Uint8Array>>;
  loaded: Alg | undefined;
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

/** FIPS 180-4 §4.2.3 and §5.3.4–5.3.5 constants, derived from the primes rather than transcribed. */
function constants(): { k: bigint[]; iv: Record<Alg, Uint8Array> } {
  const primes = firstPrimes(80);
  const M64 = (1n << 64n) - 1n;
  const words = (values: bigint[]): Uint8Array => {
    const b = new Uint8Array(8 * values.length);
    const v = new DataView(b.buffer);
    for (const [i, x] of values.entries()) v.setBigUint64(8 * i, x & M64, true);
    return b;
  };
  return {
    k: primes.map((p) => iroot(BigInt(p) << 192n, 3n) & M64),
    iv: {
      sha384: words(primes.slice(8, 16).map((p) => iroot(BigInt(p) << 128n, 2n))),
      sha512: words(primes.slice(0, 8).map((p) => iroot(BigInt(p) << 128n, 2n))),
    },
  };
}

function build(): Engine | undefined {
  try {
    if (!WA) return undefined;
    const c = constants();
    const ex = new WA.Instance(new WA.Module(moduleBytes(c.k))).exports as {
      hashAt: Engine['hashAt'];
      check: Engine['check'];
      extend: Engine['extend'];
      mem: { buffer: ArrayBuffer };
    };
    const u8 = new Uint8Array(ex.mem.buffer);
    const e: Engine = {
      hashAt: ex.hashAt,
      check: ex.check,
      extend: ex.extend,
      u8,
      iv: c.iv,
      loaded: undefined,
    };
    for (const len of [0, 1, 111, 112, 127, 128, 129, 300]) {
      const data = Buffer.alloc(len, len & 0xff);
      for (const alg of ['sha384', 'sha512'] as const) {
        if (!small(e, alg, undefined, data, 0, len).equals(hash(alg, data, 'buffer'))) return undefined;
      }
    }
    return e;
  } catch {
    return undefined;
  }
}

function useAlg(e: Engine, alg: Alg): void {
  if (e.loaded === alg) return;
  e.u8.set(e.iv[alg], LAYOUT.IV);
  e.loaded = alg;
}

function small(
  e: Engine,
  alg: Alg,
  prefix: Uint8Array | undefined,
  src: Uint8Array,
  start: number,
  end: number,
): Buffer {
  useAlg(e, alg);
  const p = prefix?.length ?? 0;
  if (prefix) e.u8.set(prefix, LAYOUT.MSG);
  e.u8.set(src.subarray(start, end), LAYOUT.MSG + p);
  e.hashAt(LAYOUT.MSG, p + end - start);
  return Buffer.from(e.u8.subarray(LAYOUT.OUT, LAYOUT.OUT + (alg === 'sha384' ? 48 : 64)));
}

const engine = build();

/** SHA-384/512 of the concatenation of `parts`, or undefined (no engine, or input too large). */
export function wasmSha(alg: Alg, parts: readonly Uint8Array[]): Buffer | undefined {
  if (!engine) return undefined;
  const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return all.length > MSG_MAX ? undefined : small(engine, alg, undefined, all, 0, all.length);
}

/** SHA-384/512 of `prefix || src[start, end)` without slicing `src`, or undefined like {@link wasmSha}. */
export function wasmShaRange(
  alg: Alg,
  prefix: Uint8Array | undefined,
  src: Buffer,
  start: number,
  end: number,
): Buffer | undefined {
  if (!engine || (prefix?.length ?? 0) + end - start > MSG_MAX) return undefined;
  return small(engine, alg, prefix, src, start, end);
}

/**
 * A register chain kept inside the WebAssembly memory, for replaying a whole log without one
 * allocation per record: windows of the log are copied in, `check` compares a record's digest
 * with its event data, and `extend` extends the value with it, one call each.
 */
export class WasmChain {
  private winStart = 0;
  private winEnd = 0;
  private readonly size: number;
  private constructor(
    private readonly e: Engine,
    private readonly alg: Alg,
    private readonly src: Uint8Array,
  ) {
    this.size = alg === 'sha384' ? 48 : 64;
  }

  /** A chain over `src`, or undefined when the engine is unavailable. */
  static open(alg: Alg, src: Uint8Array): WasmChain | undefined {
    return engine ? new WasmChain(engine, alg, src) : undefined;
  }

  /** Sets the register value the next steps extend. */
  setValue(v: Uint8Array): void {
    this.e.u8.set(v, LAYOUT.VALUE);
  }

  /** The current register value (a copy). */
  value(): Buffer {
    return Buffer.from(this.e.u8.subarray(LAYOUT.VALUE, LAYOUT.VALUE + this.size));
  }

  /** Whether H(src[dataAt, end)) equals the digest at src[digestAt…]. */
  check(digestAt: number, dataAt: number, end: number): boolean {
    useAlg(this.e, this.alg);
    const base = this.window(digestAt, end);
    return this.e.check(base + dataAt, end - dataAt, base + digestAt, this.size) === 1;
  }

  /** Extends the value with the digest at src[digestAt…]. */
  extend(digestAt: number): void {
    useAlg(this.e, this.alg);
    const base = this.window(digestAt, digestAt + this.size);
    this.e.extend(base + digestAt, this.size);
  }

  /** {@link check}, then {@link extend} when it holds; false (value unchanged) on a mismatch. */
  step(digestAt: number, dataAt: number, end: number): boolean {
    if (!this.check(digestAt, dataAt, end)) return false;
    this.extend(digestAt);
    return true;
  }

  /** Makes src[from, to) visible in the engine's memory; returns the address of src[0] there. */
  private window(from: number, to: number): number {
    if (from < this.winStart || to > this.winEnd) {
      this.winStart = from;
      this.winEnd = Math.min(this.src.length, from + CHUNK_SIZE);
      this.e.u8.set(this.src.subarray(this.winStart, this.winEnd), LAYOUT.CHUNK);
    }
    return LAYOUT.CHUNK - this.winStart;
  }
}
