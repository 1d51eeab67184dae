import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const WARD = fileURLToPath(new URL('../../bin/ward', import.meta.url));

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ward-policy-cli-'));
  await writeFile(
    join(dir, 'p.rego'),
    'package t\nimport rego.v1\np contains x if { some x in input.l }\nbig := 18446744073709551614\n',
  );
  await writeFile(join(dir, 'd.json'), '{"n": 18446744073709551615}');
  await writeFile(join(dir, 'i.json'), '{"l": [1, 2]}');
  await writeFile(
    join(dir, 'kata.rego'),
    'package agent_policy\ndefault ExecProcessRequest := false\nCreateContainerRequest := {"allowed": true, "ops": [{"op": "add", "path": "/pstate/c", "value": input.id}]}\n',
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function ward(args: readonly string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await exec(process.execPath, [WARD, ...args], { encoding: 'utf8' });
    return { code: 0, out: stdout };
  } catch (e) {
    const x = e as { code?: number; stdout?: string };
    return { code: x.code ?? -1, out: x.stdout ?? '' };
  }
}

test('ward policy eval prints opa eval JSON with bindings and exact numbers', async () => {
  const r = await ward(['policy', 'eval', '-d', dir, '-i', join(dir, 'i.json'), '-f', 'json', 'data.t.p[x]']);
  assert.equal(r.code, 0);
  const out = JSON.parse(r.out) as { result: { bindings: { x: number }; expressions: { text: string }[] }[] };
  assert.deepEqual(
    out.result.map((row) => row.bindings.x),
    [1, 2],
  );
  assert.equal(out.result[0]!.expressions[0]!.text, 'data.t.p[x]');
  const table = await ward([
    'policy',
    'eval',
    '-d',
    dir,
    '-i',
    join(dir, 'i.json'),
    '-f',
    'pretty',
    'data.t.p[x]',
  ]);
  assert.match(table.out, /\| x \|\n\+---\+\n\| 1 \|\n\| 2 \|/);
  const big = await ward(['policy', 'eval', '-d', dir, 'x := [data.t.big, data.n]']);
  assert.match(big.out.replace(/\s/g, ''), /"x":\[18446744073709551614,18446744073709551615\]/);
});

test('ward policy eval: undefined prints {}; errors print code and message and exit 2', async () => {
  const undef = await ward(['policy', 'eval', '-d', join(dir, 'p.rego'), 'data.t.nothing']);
  assert.equal(undef.code, 0);
  assert.equal(undef.out.trim(), '{}');
  const err = await ward(['policy', 'eval', '--strict-builtin-errors', 'x := 1 / 0']);
  assert.equal(err.code, 2);
  const e = JSON.parse(err.out) as { errors: { code: string; message: string }[] };
  assert.equal(e.errors[0]!.code, 'eval_builtin_error');
  assert.match(e.errors[0]!.message, /divide by zero/);
});

test('ward policy decide prints the Kata decision and the new state', async () => {
  const r = await ward([
    'policy',
    'decide',
    '-d',
    join(dir, 'kata.rego'),
    'CreateContainerRequest',
    '{"id": "c1"}',
  ]);
  assert.equal(r.code, 0);
  const d = JSON.parse(r.out) as { allowed: boolean; state: { c: string } };
  assert.equal(d.allowed, true);
  assert.equal(d.state.c, 'c1');
  const denied = await ward(['policy', 'decide', '-d', join(dir, 'kata.rego'), 'ExecProcessRequest', '{}']);
  assert.equal(denied.code, 1);
  assert.match(
    (JSON.parse(denied.out) as { message: string }).message,
    /^ExecProcessRequest is blocked by policy/,
  );
});
