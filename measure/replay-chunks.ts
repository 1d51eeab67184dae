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
/** control[CTL_COUNT]: records to check; set with CTL_READY once the log and starts are in place. */
const CTL_COUNT = 2;
const CTL_READY = 3;
/** control[CTL_STATE + c]: chunk c's state (0 unclaimed, 1 claimed, DONE); then one result each. */
const CTL_STATE = 4;
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

/** One thread's view of a job: the shared arrays plus its own slots and hasher. */
export class ChunkView {
  /** Chunks to check; known once the job is ready. */
  chunks = 0;
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

  /** Main thread: the log and the record starts are in place; `count` records are to be checked. */
  publish(count: number): void {
    this.setCount(count);
    Atomics.store(this.ctl, CTL_COUNT, count);
    Atomics.store(this.ctl, CTL_READY, 1);
    Atomics.notify(this.ctl, CTL_READY);
  }

  /** Worker: waits until the job is ready (or cancelled), then claims chunks like {@link runClaims}. */
  runWhenReady(): void {
    while (Atomics.load(this.ctl, CTL_READY) === 0 && Atomics.load(this.ctl, CTL_CANCEL) === 0) {
      Atomics.wait(this.ctl, CTL_READY, 0);
    }
    this.setCount(Atomics.load(this.ctl, CTL_COUNT));
    this.runClaims();
  }

  /** Claims and checks chunks until none is left (or the main thread cancels), publishing each result. */
  runClaims(): void {
    while (Atomics.load(this.ctl, CTL_CANCEL) === 0) {
      const c = Atomics.add(this.ctl, CTL_NEXT, 1);
      if (c >= this.chunks) return;
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

  /** Tells the workers to stop (claiming, or waiting for the job). */
  cancel(): void {
    Atomics.store(this.ctl, CTL_CANCEL, 1);
    Atomics.notify(this.ctl, CTL_READY);
  }

  private setCount(count: number): void {
    this.count = count;
    this.chunks = Math.min(this.job.maxChunks, chunksFor(count, this.job.chunkRecords));
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
