#!/usr/bin/env node
// Every exported declaration carries a doc comment (/** … */) directly above it (decorators and
// blank lines aside). Re-export lines (`export { … } from`, `export * from`) document nothing new
// and are skipped; so are tests and generated files. Exits 1 listing the undocumented exports.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { root, sourceFiles, TOP } from './source-files.mjs';

const DECL =
  /^export\s+(declare\s+)?(async\s+)?(abstract\s+)?(function\*?|class|const|let|interface|type(?!\s*[{*])|enum)\s/;

const missing = [];
const files = sourceFiles(
  (name) => name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.test.ts'),
  TOP,
  new Set(['node_modules', 'dist', 'testdata', 'gen', 'test']),
);
for (const file of files) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!DECL.test(line)) return;
    let j = i - 1;
    while (j >= 0 && (lines[j].trim() === '' || lines[j].trim().startsWith('@'))) j--;
    if (j < 0 || !lines[j].trim().endsWith('*/'))
      missing.push(`${relative(root, file)}:${i + 1}: ${line.trim().slice(0, 80)}`);
  });
}
if (missing.length > 0) {
  for (const m of missing) console.error(m);
  console.error(`${missing.length} exported declarations without a doc comment`);
  process.exit(1);
}
console.log('docs ok: every exported declaration has a doc comment');
