// The repository's source files, for the structural checks (check-imports, check-docs,
// check-lengths): every file under the top-level folders whose name `keep` accepts, without
// node_modules, build output, generated code and test data.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root. */
export const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** The top-level source folders (each a boundary with its own index.ts). */
export const TOP = [
  'proto',
  'shim',
  'agent-proxy',
  'policy',
  'measure',
  'identity',
  'integration',
  'cli',
  'bench',
];

const SKIPPED = new Set(['node_modules', 'dist', 'testdata', 'gen']);

/** Paths of the files under `tops` (folders of the root) whose name `keep` accepts. */
export function sourceFiles(keep, tops = TOP, skipped = SKIPPED) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (skipped.has(name)) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (keep(name)) out.push(p);
    }
  };
  for (const t of tops) if (existsSync(join(root, t))) walk(join(root, t));
  return out;
}
