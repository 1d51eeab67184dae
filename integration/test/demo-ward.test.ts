import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// `make demo` end to end: the real entry point, its narrative, and its clean-up.
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'demo', 'main.js');

test('make demo runs a container and an exec through Ward and cleans up', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run containerd');
  const r = spawnSync(process.execPath, [MAIN], { encoding: 'utf8', timeout: 400_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /hello from a Ward pod: Linux/);
  assert.match(r.stdout, /exec in .*: pid \d+/);
  // The policy steps: an allowed and a refused exec, the pod's log replayed to its register, and
  // the workload's selectors from its pid, then its identity forgotten with the container.
  assert.match(r.stdout, /ExecProcessRequest is blocked by policy: .*only ls may be executed/);
  assert.match(r.stdout, /OK: \d+ records, sha384, MR index 4/);
  assert.match(r.stdout, /measured:true/);
  assert.match(r.stdout, /policy-digest:sha256:[0-9a-f]{64}/);
  assert.match(r.stdout, /identity forgotten after RemoveContainer/);
  assert.match(r.stdout, /== summary\n(\s+- .+\n)+/);
  assert.match(r.stdout, /cleaning up/);
  const mounts = spawnSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' }).stdout;
  const dir = /Ward run dir (\S+)/.exec(r.stdout)?.[1] ?? '';
  assert.ok(dir.length > 0);
  assert.equal(mounts.includes(dir), false, 'no mount left under the demo run dir');
});
