#!/usr/bin/env node
// No source file (tests included) reaches MAX_LINES: a file that long holds more than one concept
// and is split (the house style aims at 100–250 lines). Exits 1 listing the files over the limit.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const MAX_LINES = 600;
const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const TOP = [
  'proto',
  'shim',
  'agent-proxy',
  'policy',
  'measure',
  'identity',
  'integration',
  'cli',
  'bench',
  'scripts',
];

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (['node_modules', 'dist', 'testdata', 'gen'].includes(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const long = [];
let count = 0;
for (const top of TOP) {
  let files = [];
  try {
    files = walk(join(root, top), []);
  } catch {
    continue;
  }
  for (const f of files) {
    count++;
    const lines = readFileSync(f, 'utf8').split('\n').length - 1;
    if (lines >= MAX_LINES) long.push(`${relative(root, f)}: ${lines} lines`);
  }
}
if (long.length > 0) {
  console.error(`files of ${MAX_LINES} lines or more (split them):\n${long.join('\n')}`);
  process.exit(1);
}
console.log(`lengths ok: ${count} files under ${MAX_LINES} lines`);
