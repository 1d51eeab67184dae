import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';

/** One received request, as the record file holds it (one JSON object per line). */
export interface RequestRecord {
  readonly time: string;
  readonly service: string;
  readonly method: string;
  /** sha256 of the request payload bytes, hex. */
  readonly sha256: string;
  readonly size: number;
}

/**
 * Keeps a record of every request the agent received: a count per method in memory and,
 * when given a file, one JSON line per request appended before the request is handled. Tests
 * of the agent-proxy use it to show that denied requests never reach the agent.
 */
export class RequestRecorder {
  readonly #file: string | undefined;
  readonly #counts = new Map<string, number>();

  /** @param file append-only JSONL file, or undefined for counts only. */
  constructor(file?: string) {
    this.#file = file;
  }

  /** Records one request. */
  record(service: string, method: string, payload: Uint8Array): void {
    const key = `${service}/${method}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    if (!this.#file) return;
    const rec: RequestRecord = {
      time: new Date().toISOString(),
      service,
      method,
      sha256: createHash('sha256').update(payload).digest('hex'),
      size: payload.length,
    };
    appendFileSync(this.#file, `${JSON.stringify(rec)}\n`);
  }

  /** Requests received per `service/method`. */
  get counts(): ReadonlyMap<string, number> {
    return this.#counts;
  }
}
