import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { WORKER_NODE_FLAGS } from '../index.js';

const LAUNCHER = join(import.meta.dirname, '..', '..', '..', 'shim', 'launcher.sh');

test('the launcher starts the daemon with exactly the workers V8 flags', () => {
  const line = readFileSync(LAUNCHER, 'utf8')
    .split('\n')
    .find((l) => l.includes('"$MAIN" daemon'));
  assert.ok(line, 'the daemon start line');
  const flags = line.slice(line.indexOf('"$NODE"') + '"$NODE"'.length, line.indexOf('"$MAIN"')).trim();
  assert.deepEqual(flags.split(/\s+/), [...WORKER_NODE_FLAGS]);
});
