/** One benchmark table: a title, column headers and rows of already-formatted cells. */
export interface BenchTable {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Free-text lines printed under the table (ratios, goals, caveats). */
  readonly notes?: readonly string[];
}

/** Renders a table as aligned plain text, the form `make bench` prints. */
export function renderTable(table: BenchTable): string {
  const widths = table.headers.map((h, i) =>
    Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [`## ${table.title}`, line(table.headers), line(widths.map((w) => '-'.repeat(w)))];
  for (const r of table.rows) out.push(line(r));
  for (const n of table.notes ?? []) out.push(n);
  return `${out.join('\n')}\n`;
}

/** Percentile (0..100) of an unsorted sample, by nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Formats a number with a fixed count of decimals, for table cells. */
export function fmt(n: number, decimals = 2): string {
  return Number.isFinite(n) ? n.toFixed(decimals) : 'n/a';
}
