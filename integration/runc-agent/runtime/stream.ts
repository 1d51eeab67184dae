import type { Readable } from 'node:stream';

/** Bytes buffered per stream before the producer is paused (the container then blocks on write). */
export const MAX_BUFFERED = 1024 * 1024;
/** Largest chunk one ReadStdout/ReadStderr returns when the request asks for 0 or more. */
export const MAX_READ = 1024 * 1024;

/**
 * The agent-side end of a process's stdout, stderr or terminal: buffers what the process writes
 * and serves `read(len)` calls that block until data arrives. An empty result means EOF, which
 * is how the kata-agent tells the runtime a stream has ended.
 */
export class OutputStream {
  readonly #source: Readable;
  readonly #chunks: Buffer[] = [];
  #buffered = 0;
  #eof = false;
  #waiters: (() => void)[] = [];

  /** @param source a readable (pipe socket or tty); EIO from a pty master counts as EOF. */
  constructor(source: Readable) {
    this.#source = source;
    source.on('data', (d: Buffer) => {
      this.#chunks.push(d);
      this.#buffered += d.length;
      if (this.#buffered >= MAX_BUFFERED) source.pause();
      this.#wake();
    });
    const end = (): void => {
      this.#eof = true;
      this.#wake();
    };
    source.on('end', end);
    source.on('close', end);
    // A pty master reports EIO once every slave fd is closed: that is the terminal's EOF.
    source.on('error', end);
  }

  /** Whether every byte has been read and the writer side is closed. */
  get drained(): boolean {
    return this.#eof && this.#buffered === 0;
  }

  /**
   * Resolves with up to `len` bytes (at least one), or an empty buffer at EOF. When `signal`
   * aborts first (the caller gave up), the read rejects with its reason and consumes nothing,
   * so no output is lost to a call nobody will answer.
   */
  async read(len: number, signal?: AbortSignal): Promise<Buffer> {
    const want = len > 0 ? Math.min(len, MAX_READ) : MAX_READ;
    while (this.#buffered === 0 && !this.#eof) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        const onAbort = (): void => {
          this.#waiters = this.#waiters.filter((w) => w !== wake);
          resolve();
        };
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.#waiters.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    signal?.throwIfAborted();
    if (this.#buffered === 0) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    let got = 0;
    while (got < want && this.#chunks.length > 0) {
      const head = this.#chunks[0]!;
      const take = Math.min(head.length, want - got);
      parts.push(head.subarray(0, take));
      got += take;
      if (take === head.length) this.#chunks.shift();
      else this.#chunks[0] = head.subarray(take);
    }
    this.#buffered -= got;
    if (this.#buffered < MAX_BUFFERED && this.#source.isPaused()) this.#source.resume();
    return Buffer.concat(parts, got);
  }

  /** Stops reading and releases blocked readers with EOF. */
  close(): void {
    this.#source.destroy();
    this.#eof = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}
