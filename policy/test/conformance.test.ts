import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runAll } from './conformance.js';

// dist/policy/test → project root is three levels up; the shared data sits beside the project.
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const shared = resolve(root, '../shared/conformance/rego');
const KNOWN = join(root, 'policy/test/known-failures.txt');
const HEADER = [
  '# Conformance cases (opa-v1 and opa-v1-newer) that fail today, one id per line.',
  '# The list may only shrink: the conformance test fails when a case outside it fails, and when',
  '# a listed case passes. Regenerate with UPDATE_KNOWN_FAILURES=1 (then check it only shrank).',
  '',
].join('\n');

test('OPA v1 conformance suite (ratchet on known failures)', (t) => {
  if (!existsSync(shared)) {
    t.skip(`conformance data not found at ${shared}`);
    return;
  }
  const report = runAll([join(shared, 'opa-v1'), join(shared, 'opa-v1-newer')]);
  let passed = 0;
  const lines: string[] = [];
  for (const [dir, r] of report.perDir) {
    passed += r.passed;
    lines.push(`${dir}: ${r.passed} passed, ${r.failed} failed`);
  }
  lines.push(`total: ${passed}/${report.total} passed (${((100 * passed) / report.total).toFixed(1)}%)`);
  t.diagnostic(lines.join('\n'));
  const known = new Set(
    readFileSync(KNOWN, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
  if (process.env.UPDATE_KNOWN_FAILURES === '1') {
    // Regenerates the list from this run; review the diff: it must only lose lines.
    writeFileSync(KNOWN, `${HEADER}${[...report.failures.keys()].sort().join('\n')}\n`);
    return;
  }
  const unexpected = [...report.failures].filter(([id]) => !known.has(id));
  const fixed = [...known].filter((id) => !report.failures.has(id));
  assert.deepEqual(
    unexpected.map(([id, why]) => `${id}: ${why}`),
    [],
    'cases outside policy/test/known-failures.txt failed',
  );
  assert.deepEqual(
    fixed,
    [],
    'these known failures now pass: remove them from policy/test/known-failures.txt',
  );
});
