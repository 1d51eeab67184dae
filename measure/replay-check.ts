import { digestRange, extendRange, type HashAlg } from './alg.js';
import { isCanonicalJson } from './jcs-check.js';
import { type RecordSlots, scanRecord } from './record.js';
import { initialValueFor } from './register.js';
import { WasmChain } from './wasm-sha512.js';

/**
 * The per-record checks of a byte-level replay, shared by the single-threaded path and the
 * parallel one (whose workers run them on slices of the log), so that both name the same first
 * broken record with the same message.
 */

/** Problem messages, one per check. */
export const MSG = {
  alg: (i: number, got: HashAlg, want: HashAlg) =>
    `record ${i}: ${got.name} digest in a ${want.name} log (log for another algorithm)`,
  mr: (i: number, got: number, want: number) => `record ${i}: MR index ${got}, expected ${want}`,
  digest: (i: number) => `record ${i}: digest does not match its event data`,
  noSeq: (i: number) => `record ${i}: content has no sequence number`,
  seq: (i: number, seq: number) =>
    `record ${i}: sequence ${seq} where ${i} was expected (record dropped, duplicated or reordered)`,
  jcs: (i: number) => `record ${i}: content is not RFC 8785 canonical JSON`,
};

/**
 * The top-level `seq` of a Ward event's content (a JSON object), or undefined when the content
 * is not a Ward event. A small scanner rather than JSON.parse, over the UTF-8 bytes (JSON's
 * structural characters are ASCII and never occur inside a multi-byte sequence): replay calls it
 * once per record.
 */
export function wardSequence(content: string | Uint8Array, from = 0, to?: number): number | undefined {
  const b = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const end = to ?? b.length;
  if (b[from] !== 0x7b /* { */) return undefined;
  let depth = 0;
  for (let i = from; i < end; i++) {
    const c = b[i];
    if (c === 0x22 /* " */) {
      if (
        depth === 1 &&
        b[i + 1] === 0x73 &&
        b[i + 2] === 0x65 &&
        b[i + 3] === 0x71 &&
        b[i + 4] === 0x22 &&
        b[i + 5] === 0x3a
      ) {
        // "seq": then an integer.
        let j = i + 6;
        let v = 0;
        const start = j;
        while (j < end && b[j]! >= 0x30 && b[j]! <= 0x39 && j - start < 16) v = v * 10 + (b[j++]! - 0x30);
        return j > start ? v : undefined;
      }
      // Skip the string, honouring escapes.
      for (i++; i < end && b[i] !== 0x22; i++) if (b[i] === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

/** What every record is checked against, fixed by the options and the log's first record. */
export interface RecordRules {
  /** The log's algorithm: the option, else the first record's. */
  readonly alg: HashAlg;
  readonly mrIndex: number | undefined;
  /** Whether the log is a Ward log (its first record's content has a `seq`). */
  readonly ward: boolean;
  /** Whether Ward contents must be RFC 8785 canonical. */
  readonly canonical: boolean;
}

/** Digest check and extend over records of one log buffer, for one algorithm. */
export interface RecordHasher {
  /** Whether H(src[dataAt, end)) equals the digest stored at src[digestAt…]. */
  check(digestAt: number, dataAt: number, end: number): boolean;
  /** value = H(value || the digest stored at src[digestAt…]). */
  extend(digestAt: number): void;
  setValue(v: Uint8Array): void;
  value(): Buffer;
}

/** node's crypto behind {@link RecordHasher}: SHA-256, and SHA-384/512 when WebAssembly is unavailable. */
class NodeHasher implements RecordHasher {
  private v: Buffer = Buffer.alloc(0);
  constructor(
    private readonly alg: HashAlg,
    private readonly src: Buffer,
  ) {}
  check(digestAt: number, dataAt: number, end: number): boolean {
    const d = digestRange(this.alg, this.src, dataAt, end);
    return d.compare(this.src, digestAt, digestAt + this.alg.size) === 0;
  }
  extend(digestAt: number): void {
    this.v = extendRange(this.alg, this.v, this.src, digestAt);
  }
  setValue(v: Uint8Array): void {
    this.v = Buffer.from(v);
  }
  value(): Buffer {
    return Buffer.from(this.v);
  }
}

/** The fastest hasher available for `alg` over `src`. */
export function openHasher(alg: HashAlg, src: Buffer): RecordHasher {
  return (alg.name !== 'sha256' ? WasmChain.open(alg.name, src) : undefined) ?? new NodeHasher(alg, src);
}

/**
 * Every check of the record at `off` except the extend: layout, algorithm, MR index, digest,
 * and for Ward logs sequence number and canonical content. Returns the problem, or undefined
 * with the record's parts in `s`.
 */
export function checkRecordAt(
  buf: Buffer,
  off: number,
  n: number,
  s: RecordSlots,
  rules: RecordRules,
  hasher: RecordHasher,
): string | undefined {
  const bad = scanRecord(buf, off, n, s);
  if (bad !== undefined) return bad;
  const ra = s.alg!;
  if (ra !== rules.alg) return MSG.alg(n, ra, rules.alg);
  if (rules.mrIndex !== undefined && s.mrIndex !== rules.mrIndex) return MSG.mr(n, s.mrIndex, rules.mrIndex);
  if (!hasher.check(s.digestAt, s.dataAt, s.end)) return MSG.digest(n);
  if (!rules.ward) return undefined;
  const seq = wardSequence(buf, s.contentAt, s.end);
  if (seq === undefined) return MSG.noSeq(n);
  if (seq !== n) return MSG.seq(n, seq);
  if (rules.canonical && !isCanonicalJson(buf, s.contentAt, s.end)) return MSG.jcs(n);
  return undefined;
}

/** The replayed values per MR index, extended in record order through one hasher. */
export class RegisterValues {
  readonly values = new Map<number, Buffer>();
  private mr = -1;
  constructor(
    private readonly hasher: RecordHasher,
    private readonly alg: HashAlg,
    private readonly tpm: boolean,
  ) {}

  /** Extends MR index `mr` with the digest stored at `digestAt`. */
  extend(mr: number, digestAt: number): void {
    if (mr !== this.mr) {
      this.flush();
      this.hasher.setValue(this.values.get(mr) ?? initialValueFor(this.alg, mr, this.tpm));
      this.mr = mr;
    }
    this.hasher.extend(digestAt);
  }

  /** The final values (call once, after the last extend). */
  finish(): Map<number, Buffer> {
    this.flush();
    return this.values;
  }

  private flush(): void {
    if (this.mr >= 0) this.values.set(this.mr, this.hasher.value());
  }
}
