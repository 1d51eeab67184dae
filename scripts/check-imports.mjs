#!/usr/bin/env node
// Enforces the repository's two structural rules on the TypeScript sources:
//  1. a file may reach into another top-level folder only through that folder's index.ts
//     (or a declared sub-boundary such as proto/ttrpc/index.ts);
//  2. no import cycles among runtime imports (type-only imports are erased and cannot cycle).
// Exits 1 with one line per violation.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { root, sourceFiles, TOP } from './source-files.mjs';

// Sub-boundaries exist for processes that need only part of a folder: ES modules are not
// tree-shaken, so importing a folder's index.ts evaluates (and keeps in memory) every module it
// re-exports. A shim worker per pod needs the runc agent and the mount calls, not the containerd
// and CRI test harnesses, and the identity store, not the SPIRE plugin and signature checks.
const SUB_BOUNDARIES = new Set([
  'proto/ttrpc/index.ts',
  'integration/runc-agent/index.ts',
  'integration/sys/index.ts',
  'identity/store.ts',
  'identity/annotations.ts',
]);

const files = sourceFiles(
  (name) => name.endsWith('.ts') && !name.endsWith('.d.ts'),
  TOP,
  new Set(['node_modules', 'testdata', 'dist']),
);
const importRe = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/g;
const dynRe = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const problems = [];
const graph = new Map();

for (const file of files) {
  const rel = relative(root, file).split(sep).join('/');
  const top = rel.split('/')[0];
  const src = readFileSync(file, 'utf8');
  const edges = [];
  const specs = [];
  for (const m of src.matchAll(importRe)) specs.push({ spec: m[3], typeOnly: Boolean(m[2]) });
  for (const m of src.matchAll(dynRe)) specs.push({ spec: m[1], typeOnly: false });
  for (const { spec, typeOnly } of specs) {
    // Package imports are npm's business; paths into dist/ are compiled output handed to child
    // processes (e.g. `node -e "import('./dist/…')"`), not source imports.
    if (!spec.startsWith('.') || /(^|\/)dist\//.test(spec)) continue;
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    const trel = relative(root, target).split(sep).join('/');
    const ttop = trel.split('/')[0];
    if (!existsSync(target)) {
      problems.push(`${rel}: import '${spec}' does not resolve to a .ts file`);
      continue;
    }
    if (ttop !== top && trel !== `${ttop}/index.ts` && !SUB_BOUNDARIES.has(trel)) {
      problems.push(`${rel}: imports ${trel}; other folders may import only ${ttop}/index.ts`);
    }
    if (!typeOnly) edges.push(trel);
  }
  graph.set(rel, edges);
}

// Tarjan's strongly connected components; any component larger than one file is a cycle.
let index = 0;
const stack = [];
const meta = new Map();
function strong(v) {
  meta.set(v, { index, low: index, on: true });
  index++;
  stack.push(v);
  for (const w of graph.get(v) ?? []) {
    if (!meta.has(w)) {
      strong(w);
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
    } else if (meta.get(w).on) {
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
    }
  }
  if (meta.get(v).low === meta.get(v).index) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      meta.get(w).on = false;
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1) problems.push(`import cycle: ${comp.sort().join(' -> ')}`);
    else if ((graph.get(v) ?? []).includes(v)) problems.push(`import cycle: ${v} imports itself`);
  }
}
for (const v of graph.keys()) if (!meta.has(v)) strong(v);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`imports ok: ${files.length} files, no cycles, boundaries respected`);
