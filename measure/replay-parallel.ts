import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { algById } from './alg.js';
import { MAX_EVENT_TEXT, newSlots } from './record.js';
import type { ReplayOptions, ReplayResult } from './replay.js';
import { checkRecordAt, openHasher, type RecordRules, RegisterValues } from './replay-check.js';
import { type ChunkJob, ChunkView, chunksFor, controlWords } from './replay-chunks.js';
import { startReplay } from './replay-serial.js';

/**
 * Parallel byte-level replay. Only the extend chain v = H(v || digest) is sequential, and it
 * reads the digests the records carry, not recomputed ones; the per-record checks (layout,
 * H(event data) against the stored digest, sequence, canonical JSON) are independent. So the
 * main thread finds the record boundaries, worker threads check chunks of records, the main
 * thread runs the chain meanwhile and then checks chunks too. The first broken record is the
 * lowest index any chunk reports; its message and the values before it are recomputed here
 * exactly as the single-threaded path computes them.
 */

/** Logs at least this large are replayed with worker threads by default (below, start-up costs more than it saves). */
export const PARALLEL_REPLAY_MIN_BYTES = 16 * 1024 * 1024;
/** Records per chunk: small enough to balance threads, large enough that claiming is negligible. */
const CHUNK_RECORDS = 2048;
/** Bytes the main thread copies into shared memory between two publications of records. */
const PUBLISH_SLAB = 8 * 1024 * 1024;
/** How long the main thread waits for a chunk a worker claimed before checking it itself. */
const CHUNK_WAIT_MS = 2000;
/** Smallest record: SHA-256 digest and an event of 8 bytes (bounds the boundary table). */
const MIN_RECORD = 18 + 32 + 8;
/** Largest log the Uint32 boundary table addresses. */
const MAX_PARALLEL_BYTES = 0xffff_ffff;

/** Worker threads a replay of `bytes` bytes uses by default: none for small logs, else one per spare core. */
export function defaultReplayWorkers(bytes: number): number {
  return bytes >= PARALLEL_REPLAY_MIN_BYTES ? Math.max(0, availableParallelism() - 1) : 0;
}

/** Where a boundary scan stands: records found, the next record's offset, and whether it is over. */
interface Boundaries {
  count: number;
  off: number;
  /** The scan reached the end, or a record it cannot read (record `count`, at `off`). */
  done: boolean;
}

/**
 * Continues `at` over the records that end by `limit`, writing their start offsets. Every stop
 * condition other than `limit` is one scanRecord also fails on, so the record there is broken
 * for the full check too.
 */
function scanBoundaries(buf: Buffer, starts: Uint32Array, at: Boundaries, limit: number): void {
  const len = buf.length;
  let { count, off } = at;
  let done = true;
  while (off < len) {
    const left = len - off;
    if (left < 14) break;
    const alg = algById(buf.readUInt16LE(off + 12));
    if (!alg || left < 18 + alg.size) break;
    const size = buf.readUInt32LE(off + 14 + alg.size);
    if (size < 8 || size > MAX_EVENT_TEXT + 8 || left < 18 + alg.size + size) break;
    if (off + 18 + alg.size + size > limit) {
      done = false;
      break;
    }
    starts[count++] = off;
    off += 18 + alg.size + size;
  }
  at.count = count;
  at.off = off;
  at.done = done;
}

function startWorkers(job: ChunkJob, n: number): Worker[] {
  const workers: Worker[] = [];
  for (let i = 0; i < n; i++) {
    try {
      const w = new Worker(new URL('./replay-worker.js', import.meta.url), { workerData: job });
      // The main thread checks any chunk a worker leaves unfinished, so a worker's failure is not an error.
      w.on('error', () => undefined);
      w.unref();
      workers.push(w);
    } catch {
      break;
    }
  }
  return workers;
}

/** Extends with records [0, end): MR index at the record's start, digest at offset 14. */
function extendAll(regs: RegisterValues, buf: Buffer, starts: Uint32Array, end: number): void {
  for (let i = 0; i < end; i++) {
    const o = starts[i]!;
    // The MR index, read without readUInt32LE's per-call argument checks (o is a known start).
    const mr = (buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16) | (buf[o + 3]! << 24)) >>> 0;
    regs.extend(mr, o + 14);
  }
}

/** Values after records [0, end) and the problem at `end`, as the single-threaded path reports them. */
function stopAt(
  buf: Buffer,
  starts: Uint32Array,
  end: number,
  message: string,
  rules: RecordRules,
  tpm: boolean,
): ReplayResult {
  const regs = new RegisterValues(openHasher(rules.alg, buf), rules.alg, tpm);
  extendAll(regs, buf, starts, end);
  return { alg: rules.alg, values: regs.finish(), replayed: end, problem: { index: end, message } };
}

/**
 * Replays `buf` with `workers` worker threads checking records (the log is copied into shared
 * memory unless it already is). Returns undefined, and the caller replays single-threaded, when
 * the log is too large for the Uint32 boundary table, or should the record the chunks name
 * pass the single-threaded check (the two paths disagreeing).
 */
export function replayParallel(buf: Buffer, opts: ReplayOptions, workers: number): ReplayResult | undefined {
  if (buf.length > MAX_PARALLEL_BYTES) return undefined;
  const s = newSlots();
  const start = startReplay(buf, opts, s);
  if ('result' in start) return start.result;
  const { rules } = start;
  const tpm = opts.tpm ?? false;
  const maxRecords = Math.floor(buf.length / MIN_RECORD) + 1;
  const maxChunks = chunksFor(maxRecords, CHUNK_RECORDS);
  const starts = new Uint32Array(new SharedArrayBuffer(4 * maxRecords));
  // The log in shared memory: the buffer's own when it already is, else a copy, made after
  // the workers are started so that their start-up overlaps it.
  const own = buf.buffer instanceof SharedArrayBuffer;
  const job: ChunkJob = {
    log: own ? (buf.buffer as SharedArrayBuffer) : new SharedArrayBuffer(buf.length),
    logOffset: own ? buf.byteOffset : 0,
    logLength: buf.length,
    starts: starts.buffer as SharedArrayBuffer,
    control: new SharedArrayBuffer(4 * controlWords(maxChunks)),
    maxChunks,
    chunkRecords: CHUNK_RECORDS,
    alg: rules.alg.name,
    mrIndex: rules.mrIndex,
    ward: rules.ward,
    canonical: rules.canonical,
  };
  const threads = startWorkers(job, workers);
  const view = new ChunkView(job);
  try {
    // Copy (when needed) and find boundaries slab by slab, publishing records as they become
    // readable in shared memory, so that workers start before the copy ends.
    const at: Boundaries = { count: 0, off: 0, done: false };
    const shm = new Uint8Array(job.log, job.logOffset, job.logLength);
    for (let copied = 0; !at.done; ) {
      const next = Math.min(buf.length, copied + PUBLISH_SLAB);
      if (!own) shm.set(buf.subarray(copied, next), copied);
      copied = next;
      scanBoundaries(buf, starts, at, copied);
      view.publish(at.count, at.done);
    }
    const { count, off: stop } = at;
    // The chain over every readable record, while the workers check them.
    const regs = new RegisterValues(openHasher(rules.alg, buf), rules.alg, tpm);
    extendAll(regs, buf, starts, count);
    view.runClaims();
    let bad = -1;
    for (let c = 0; c < view.chunks && bad < 0; c++) bad = view.result(c, CHUNK_WAIT_MS);
    view.cancel();
    if (bad < 0 && stop === buf.length) return { alg: rules.alg, values: regs.finish(), replayed: count };
    const first = bad >= 0 ? bad : count;
    const message = checkRecordAt(
      buf,
      first < count ? starts[first]! : stop,
      first,
      s,
      rules,
      openHasher(rules.alg, buf),
    );
    // Unreachable unless the two paths disagree; the single-threaded one is then the reference.
    if (message === undefined) return undefined;
    return stopAt(buf, starts, first, message, rules, tpm);
  } finally {
    view.cancel();
    for (const w of threads) void w.terminate();
  }
}
