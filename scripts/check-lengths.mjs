#!/usr/bin/env node
// No source file (tests included) reaches MAX_LINES: a file that long holds more than one concept
// and is split (the house style aims at 100–250 lines). Exits 1 listing the files over the limit.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { root, sourceFiles, TOP } from './source-files.mjs';

const MAX_LINES = 600;

const long = [];
const files = sourceFiles((name) => /\.(ts|mjs)$/.test(name) && !name.endsWith('.d.ts'), [...TOP, 'scripts']);
for (const f of files) {
  const lines = readFileSync(f, 'utf8').split('\n').length - 1;
  if (lines >= MAX_LINES) long.push(`${relative(root, f)}: ${lines} lines`);
}
if (long.length > 0) {
  console.error(`files of ${MAX_LINES} lines or more (split them):\n${long.join('\n')}`);
  process.exit(1);
}
console.log(`lengths ok: ${files.length} files under ${MAX_LINES} lines`);
