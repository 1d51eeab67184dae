import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { extendValue, hex } from './alg.js';
import { MeasureError } from './errors.js';
import { type FileIo, fileIoFor, writeAllNow } from './file-io.js';
import { JcsWriter } from './jcs-writer.js';
import { LogLock } from './lock.js';
import { type LogRecord, recordEvent, recordTextOffset, sealRecord, validateNames } from './record.js';
import { type RecoveryReport, recover } from './recovery.js';
import type { Register } from './register.js';
import { SEQ_MEMBER } from './replay.js';
import { type WalEntry, writeWal, writeWalNow } from './wal.js';

// Appends are synchronous up to the queue, so one writer serves every log in the process.
const recordWriter = new JcsWriter();

/** Most events one commit (one WAL write, one log fsync) carries. */
export const MAX_GROUP_COMMIT = 256;

/** Where a log lives; the WAL and lock default to `<log>.wal` and `<log>.lock`. */
export interface LogOptions {
  readonly path: string;
  readonly register: Register;
  readonly walPath?: string;
  readonly lockPath?: string;
  /**
   * Keep the records recovery read on open for one {@link MeasurementLog.takeRecoveredRecords}
   * call (a caller that replays the log at start-up then need not read it again).
   */
  readonly keepRecoveredRecords?: boolean;
}

/** How an append is committed. */
export interface AppendOptions {
  /**
   * The caller has no other request in flight: no other append would share this one's commit,
   * so the commit starts when the current callback ends rather than in the loop's check phase.
   * Appends made in the same callback still share it.
   */
  readonly alone?: boolean;
  /**
   * The content holds values as decoded requests do, each written in one fixed form (see
   * {@link JcsWriter}): bigints exact (numbers within ±(2^53 − 1), decimal strings beyond),
   * undefined as null, non-finite numbers as strings. Without it they are refused.
   */
  readonly lossless?: boolean;
}

/** What an acknowledged append returns: the event is durable in the log and in the register. */
export interface AppendResult {
  readonly sequence: number;
  readonly mrIndex: number;
  /** The event digest (over the TCG_PCClientTaggedEvent), hex. */
  readonly digest: string;
  /** The register value after this event, hex. */
  readonly register: string;
  /** Byte offset of the record in the log. */
  readonly offset: number;
}

/**
 * Event content, or a function of the sequence number producing it: a JSON object (values are
 * checked as they are written; see {@link AppendOptions.lossless} for what else may be in it).
 */
export type EventContent =
  | { readonly [k: string]: unknown }
  | ((sequence: number) => { readonly [k: string]: unknown });

interface Prepared {
  readonly wal: WalEntry;
  readonly records: Buffer;
  readonly results: AppendResult[];
  readonly end: number;
  readonly value: Buffer;
}

/** A sealed record waiting for its commit. */
interface Sealed {
  readonly sequence: number;
  readonly record: Buffer;
  readonly digest: Buffer;
}

interface Pending extends Sealed {
  readonly resolve: (r: AppendResult) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * A measurement log with one writer. Appends are numbered and committed strictly in call order;
 * each commit is write-ahead record → register extend → log append → fsync, and a promise
 * resolves only after that. Any failure poisons the log: every later append is refused until
 * the log is reopened (and recovered), because a log that may disagree with its register must
 * not let requests through.
 */
export class MeasurementLog {
  #size: number;
  #value: Buffer;
  #next: number;
  #queue: Pending[] = [];
  #running = false;
  /** A drain is due in the check phase of this loop iteration. */
  #scheduled = false;
  #broken: Error | undefined;
  #closed = false;
  /** The records recovery read, until taken (only with keepRecoveredRecords). */
  #recovered: readonly LogRecord[] | undefined;

  private constructor(
    readonly path: string,
    readonly register: Register,
    private readonly fh: FileHandle,
    private readonly wal: FileHandle,
    private readonly lock: LogLock,
    private readonly io: FileIo,
    size: number,
    value: Buffer,
    next: number,
    /** What recovery did when the log was opened. */
    readonly recovery: RecoveryReport,
  ) {
    this.#size = size;
    this.#value = value;
    this.#next = next;
  }

  /** Opens (creating when absent) a log: takes the lock, recovers, checks log against register. */
  static async open(opts: LogOptions): Promise<MeasurementLog> {
    await mkdir(dirname(opts.path), { recursive: true }).catch(() => undefined);
    const lock = await LogLock.acquire(opts.lockPath ?? `${opts.path}.lock`);
    let fh: FileHandle | undefined;
    let wal: FileHandle | undefined;
    try {
      fh = await openRw(opts.path);
      const walPath = opts.walPath ?? `${opts.path}.wal`;
      wal = await openRw(walPath);
      const { parsed, value, report } = await recover(fh, wal, opts.register);
      const io = await fileIoFor(opts.path, walPath);
      const log = new MeasurementLog(
        opts.path,
        opts.register,
        fh,
        wal,
        lock,
        io,
        parsed.validEnd,
        value,
        parsed.records.length,
        report,
      );
      if (opts.keepRecoveredRecords === true) log.#recovered = parsed.records;
      return log;
    } catch (err) {
      await fh?.close();
      await wal?.close();
      await lock.release();
      throw err;
    }
  }

  /**
   * The log's records as recovery read them on open (with `keepRecoveredRecords`), handed over
   * once: later calls get none, and the log keeps no reference to them or their bytes.
   */
  takeRecoveredRecords(): readonly LogRecord[] {
    const r = this.#recovered ?? [];
    this.#recovered = undefined;
    return r;
  }

  /** Sequence number the next append will get (= records in the log). */
  get nextSequence(): number {
    return this.#next;
  }

  /** Current register value as this writer knows it. */
  get value(): Buffer {
    return Buffer.from(this.#value);
  }

  /**
   * Appends `<domain> <operation> <content>` where content is the RFC 8785 form of the given
   * JSON object with member `seq` set to the event's sequence number. Resolves once durable.
   * `opts.alone`: the caller has nothing else in flight (see {@link AppendOptions}).
   */
  appendEvent(
    domain: string,
    operation: string,
    content: EventContent,
    opts?: AppendOptions,
  ): Promise<AppendResult> {
    if (this.#closed)
      return Promise.reject(new MeasureError('ERR_MEASURE_CLOSED', 'measurement log is closed'));
    if (this.#broken) return Promise.reject(this.#poisoned());
    let rec: { bytes: Buffer; digest: Buffer };
    const sequence = this.#next;
    try {
      rec = this.#seal(domain, operation, content, opts?.lossless === true, sequence);
    } catch (err) {
      return Promise.reject(err);
    }
    this.#next++;
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ sequence, record: rec.bytes, digest: rec.digest, resolve, reject });
      this.#schedule(opts?.alone === true);
    });
  }

  /**
   * True when {@link appendEventNow} can append: the log, WAL and register file are in memory
   * (tmpfs), the register extends in this thread, and no other append is queued or committing.
   */
  get commitsNow(): boolean {
    return (
      !this.#closed &&
      this.#broken === undefined &&
      this.#queue.length === 0 &&
      !this.#running &&
      !this.#scheduled &&
      this.#commitsNow() !== undefined
    );
  }

  /**
   * {@link appendEvent} committed before it returns, for a caller with nothing else in flight
   * while {@link commitsNow} holds: the result is durable when it is returned. A request that is
   * alone then goes from decision to forward without a trip through the microtask queue (some
   * 35 µs per request on the development host). Throws what appendEvent would reject with, and
   * ERR_MEASURE_BAD_INPUT when {@link commitsNow} does not hold.
   */
  appendEventNow(
    domain: string,
    operation: string,
    content: EventContent,
    opts?: AppendOptions,
  ): AppendResult {
    if (this.#closed) throw new MeasureError('ERR_MEASURE_CLOSED', 'measurement log is closed');
    if (this.#broken) throw this.#poisoned();
    const extendNow = this.commitsNow ? this.#commitsNow() : undefined;
    if (extendNow === undefined)
      throw new MeasureError('ERR_MEASURE_BAD_INPUT', 'this log cannot commit in the calling thread now');
    const sequence = this.#next;
    const rec = this.#seal(domain, operation, content, opts?.lossless === true, sequence);
    this.#next++;
    try {
      return this.#commitNow([{ sequence, record: rec.bytes, digest: rec.digest }], extendNow)[0]!;
    } catch (err) {
      this.#broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  }

  // `<domain> <operation> <content>` as a sealed record; throws on content the log refuses.
  #seal(
    domain: string,
    operation: string,
    content: EventContent,
    lossless: boolean,
    sequence: number,
  ): { bytes: Buffer; digest: Buffer } {
    const body = typeof content === 'function' ? content(sequence) : content;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new MeasureError('ERR_MEASURE_BAD_INPUT', 'event content must be a JSON object');
    }
    if (SEQ_MEMBER in body)
      throw new MeasureError('ERR_MEASURE_BAD_INPUT', `content must not set '${SEQ_MEMBER}'`);
    validateNames(domain, operation);
    // The text goes straight into record bytes (canonical JSON cannot hold a raw newline).
    const alg = this.register.alg;
    const w = recordWriter;
    w.reset(recordTextOffset(alg));
    w.text(domain);
    w.text(' ');
    w.text(operation);
    w.text(' ');
    w.object(body, 0, lossless, SEQ_MEMBER, sequence);
    return sealRecord(this.register.mrIndex, alg, w.buf, w.length);
  }

  // The commit starts in the loop's check phase, not at the first append: requests that arrive on
  // several connections in one turn of the event loop are each admitted in their own callback, and
  // starting at once would give every one of them its own commit (six file operations each) and
  // its own write to the agent. An append made alone (nothing else in flight, so nothing to share
  // a commit with) starts it when the current callback ends instead: the trip to the check phase
  // is some 30 µs on a busy host, on every request of a client that waits for each answer.
  #schedule(alone: boolean): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    const run = (): void => {
      this.#scheduled = false;
      void this.#drain();
    };
    if (alone) queueMicrotask(run);
    else setImmediate(run);
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_GROUP_COMMIT);
        if (this.#broken) {
          for (const p of batch) p.reject(this.#poisoned());
          continue;
        }
        try {
          const now = this.#commitsNow();
          const results = now === undefined ? await this.#commit(batch) : this.#commitNow(batch, now);
          for (const [i, p] of batch.entries()) p.resolve(results[i]!);
        } catch (err) {
          this.#broken = err instanceof Error ? err : new Error(String(err));
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  // The register's in-thread extend when every write of a commit is a copy into memory (log,
  // WAL and register file on tmpfs): the commit then runs start to end without an await, each of
  // which would cost a trip through the microtask queue on every request.
  #commitsNow(): ((eventDigests: readonly Buffer[]) => void) | undefined {
    const reg = this.register;
    return this.io.memoryBacked && reg.extendEvent === undefined ? reg.extendManyNow : undefined;
  }

  async #commit(batch: readonly Pending[]): Promise<AppendResult[]> {
    const c = this.#prepare(batch);
    await writeWal(this.io, this.wal, c.wal);
    const reg = this.register;
    if (reg.extendEvent) for (const p of batch) await reg.extendEvent(recordEvent(p.record, reg.alg));
    else if (reg.extendMany) await reg.extendMany(batch.map((p) => p.digest));
    else for (const p of batch) await reg.extend(p.digest);
    await this.io.writeAll(this.fh, c.records, c.wal.offset);
    await this.io.datasync(this.fh);
    this.#size = c.end;
    this.#value = c.value;
    return c.results;
  }

  /** #commit's steps, in this thread (see #commitsNow). */
  #commitNow(batch: readonly Sealed[], extendNow: (eventDigests: readonly Buffer[]) => void): AppendResult[] {
    const c = this.#prepare(batch);
    writeWalNow(this.wal.fd, c.wal);
    extendNow(batch.map((p) => p.digest));
    writeAllNow(this.fh.fd, c.records, c.wal.offset);
    this.#size = c.end;
    this.#value = c.value;
    return c.results;
  }

  // What a commit writes and answers: the WAL entry, the records, each append's result, and
  // where the log ends and what the register holds once it is done.
  #prepare(batch: readonly Sealed[]): Prepared {
    const alg = this.register.alg;
    const offset = this.#size;
    const results: AppendResult[] = [];
    const events: { expected: Buffer; record: Buffer }[] = [];
    let v = this.#value;
    let o = offset;
    for (const p of batch) {
      v = extendValue(alg, v, p.digest);
      events.push({ expected: v, record: p.record });
      results.push({
        sequence: p.sequence,
        mrIndex: this.register.mrIndex,
        digest: hex(p.digest),
        register: hex(v),
        offset: o,
      });
      o += p.record.length;
    }
    const records = batch.length === 1 ? batch[0]!.record : Buffer.concat(batch.map((p) => p.record));
    return { wal: { offset, alg, prior: this.#value, events }, records, results, end: o, value: v };
  }

  #poisoned(): MeasureError {
    return new MeasureError(
      'ERR_MEASURE_REGISTER',
      `measurement log refuses appends after a failure: ${this.#broken?.message}`,
      {
        cause: this.#broken,
      },
    );
  }

  /** Waits for pending appends, then releases files, the register and the lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#running || this.#scheduled || this.#queue.length > 0)
      await new Promise((r) => setImmediate(r));
    await this.fh.close();
    await this.wal.close();
    await this.register.close();
    await this.lock.release();
  }
}

async function openRw(path: string): Promise<FileHandle> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(path, 'a+');
    await fh.close();
    return await open(path, 'r+');
  } catch (err) {
    throw new MeasureError('ERR_MEASURE_LOG_CORRUPT', `cannot open ${path}: ${(err as Error).message}`);
  }
}
