import type { Value } from '../value/index.js';
import { formatPrintValue } from './print.js';

type Entry =
  | string
  | { readonly file: string; readonly row: number; readonly parts: readonly (readonly Value[])[] };

/**
 * `print` output of one evaluation. Operands are kept as values and formatted only when the
 * lines are read: Kata policies print whole requests on every decision, and an allowed request
 * never needs the text.
 */
export class PrintLog {
  private readonly entries: Entry[] = [];
  private cache: string[] | null = null;

  /** Adds a finished line. */
  pushLine(line: string): void {
    this.entries.push(line);
    this.cache = null;
  }

  /** Adds a `print` call: each operand's values (empty = undefined). */
  pushCall(file: string, row: number, parts: readonly (readonly Value[])[]): void {
    this.entries.push({ file, row, parts });
    this.cache = null;
  }

  /** Number of lines. */
  get length(): number {
    return this.entries.length;
  }

  /** The lines, as regorus prints them: `file:line: operands joined by spaces`. */
  lines(): string[] {
    if (this.cache === null) {
      this.cache = this.entries.map((e) =>
        typeof e === 'string'
          ? e
          : `${e.file}:${e.row}: ${e.parts
              .map((vals) => (vals.length === 0 ? '<undefined>' : vals.map(formatPrintValue).join(', ')))
              .join(' ')}`,
      );
    }
    return this.cache;
  }
}
