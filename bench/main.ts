import { SUITES } from './suites.js';
import { renderTable } from './table.js';

// BENCH=<name>[,<name>] runs a subset; every suite prints its own tables with side-by-side ratios.
const only = (process.env['BENCH'] ?? '').split(',').filter((s) => s.length > 0);
let failed = 0;
for (const suite of SUITES) {
  if (only.length > 0 && !only.includes(suite.name)) continue;
  process.stdout.write(`\n# ${suite.name}\n`);
  try {
    for (const table of await suite.run()) process.stdout.write(`${renderTable(table)}\n`);
  } catch (err) {
    failed++;
    process.stdout.write(`suite ${suite.name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
