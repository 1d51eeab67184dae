import { algByName, type HashAlg } from './alg.js';
import { newSlots, type RecordSlots } from './record.js';
import { checkRecordAt, openHasher, type RecordHasher, type RecordRules } from './replay-check.js';

/**
 * The work list of a parallel replay: the log's records in chunks of consecutive records, each
 * checked (everything but the extend) by whichever thread claims it. Everything lives in
 * SharedArrayBuffers so that workers see it without copies; a job crosses to a worker as
 * `workerData`.
 */
export interface ChunkJob {
  readonly log: SharedArrayBuffer;
  readonly logOffset: number;
  readonly logLength: number;
  /** Uint32 start offset of each record. */
  readonly starts: SharedArrayBuffer;
  /** Int32 control words: see the CTL_* indexes. */
  readonly control: SharedArrayBuffer;
  /** Chunks the control words have room for. */
  readonly maxChunks: number;
  readonly chunkRecords: number;
  readonly alg: HashAlg['name'];
  readonly mrIndex: number | undefined;
  readonly ward: boolean;
  readonly canonical: boolean;
}

/** control[CTL_NEXT]: the next unclaimed chunk. */
const CTL_NEXT = 0;
/** control[CTL_CANCEL]: 1 once the main thread needs no more chunks. */
const CTL_CANCEL = 1;
/** control[CTL_COUNT]: records whose bytes and starts are in place so far; CTL_FINAL: 1 when that is all. */
const CTL_COUNT = 2;
const CTL_FINAL = 3;
/** control[CTL_VERSION]: bumped after every change of the words above; threads wait on it. */
const CTL_VERSION = 4;
/** control[CTL_STATE + c]: chunk c's state (0 unclaimed, 1 claimed, DONE); then one result each. */
const CTL_STATE = 5;
const CLAIMED = 1;
const DONE = 2;

/** Int32 control words a job with room for `chunks` chunks needs. */
export function controlWords(chunks: number): number {
  return CTL_STATE + 2 * chunks;
}

/** Chunks needed for `records` records. */
export function chunksFor(records: number, chunkRecords: number): number {
  return Math.ceil(records / chunkRecords);
}

/**
 * One thread's view of a job: the shared arrays plus its own slots and hasher. The main thread
 * publishes records as it copies the log into shared memory, so workers start on the first
 * chunks while the copy goes on.
 */
export class ChunkView {
  /** Records published so far (all of them once final). */
  private count = 0;
  private readonly buf: Buffer;
  private readonly starts: Uint32Array;
  private readonly ctl: Int32Array;
  private readonly rules: RecordRules;
  private readonly hasher: RecordHasher;
  private readonly slots: RecordSlots = newSlots();

  constructor(private readonly job: ChunkJob) {
    this.buf = Buffer.from(job.log, job.logOffset, job.logLength);
    this.starts = new Uint32Array(job.starts);
    this.ctl = new Int32Array(job.control);
    const alg = algByName(job.alg);
    this.rules = { alg, mrIndex: job.mrIndex, ward: job.ward, canonical: job.canonical };
    this.hasher = openHasher(alg, this.buf);
  }

  /** Chunks to check (final once the main thread has published the last record). */
  get chunks(): number {
    return Math.min(this.job.maxChunks, chunksFor(this.count, this.job.chunkRecords));
  }

  /** Main thread: records [0, count) have their bytes and starts in place; `final` when there are no more. */
  publish(count: number, final: boolean): void {
    this.count = count;
    Atomics.store(this.ctl, CTL_COUNT, count);
    if (final) Atomics.store(this.ctl, CTL_FINAL, 1);
    this.bump();
  }

  /** Claims and checks chunks until none is left (or the main thread cancels), publishing each result. */
  runClaims(): void {
    for (;;) {
      const c = Atomics.add(this.ctl, CTL_NEXT, 1);
      if (!this.await(c)) return;
      if (Atomics.compareExchange(this.ctl, CTL_STATE + c, 0, CLAIMED) !== 0) continue;
      const r = this.check(c);
      Atomics.store(this.ctl, CTL_STATE + this.job.maxChunks + c, r);
      Atomics.store(this.ctl, CTL_STATE + c, DONE);
      Atomics.notify(this.ctl, CTL_STATE + c);
    }
  }

  /**
   * Chunk c's result: the index of its first broken record, or -1. Waits for the thread that
   * claimed it, at most `waitMs`; past that (a worker died or is starved) checks it here.
   */
  result(c: number, waitMs: number): number {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const st = Atomics.load(this.ctl, CTL_STATE + c);
      if (st === DONE) return Atomics.load(this.ctl, CTL_STATE + this.job.maxChunks + c);
      const left = deadline - Date.now();
      if (left <= 0) return this.check(c);
      Atomics.wait(this.ctl, CTL_STATE + c, st, left);
    }
  }

  /** Tells the workers to stop (claiming, or waiting for records). */
  cancel(): void {
    Atomics.store(this.ctl, CTL_CANCEL, 1);
    this.bump();
  }

  private bump(): void {
    Atomics.add(this.ctl, CTL_VERSION, 1);
    Atomics.notify(this.ctl, CTL_VERSION);
  }

  /**
   * Waits until chunk c's records are all published; false when c is past the last chunk or the
   * main thread cancelled. Reads the version first: any publish after that read changes it, so
   * the wait cannot miss one.
   */
  private await(c: number): boolean {
    for (;;) {
      const version = Atomics.load(this.ctl, CTL_VERSION);
      if (Atomics.load(this.ctl, CTL_CANCEL) !== 0) return false;
      const final = Atomics.load(this.ctl, CTL_FINAL) === 1;
      this.count = Atomics.load(this.ctl, CTL_COUNT);
      if (final) return c < this.chunks;
      if ((c + 1) * this.job.chunkRecords <= this.count) return true;
      Atomics.wait(this.ctl, CTL_VERSION, version);
    }
  }

  /** Index of the first broken record of chunk c, or -1. */
  private check(c: number): number {
    const from = c * this.job.chunkRecords;
    const to = Math.min(this.count, from + this.job.chunkRecords);
    for (let i = from; i < to; i++) {
      if (checkRecordAt(this.buf, this.starts[i]!, i, this.slots, this.rules, this.hasher) !== undefined)
        return i;
    }
    return -1;
  }
}
