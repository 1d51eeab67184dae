import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect } from '../../proto/index.js';
import { PROXY_BIN, runToExit, spawnProxy } from './crash-proxy.js';
import { type AgentProcess, startAgent, tempDir } from './harness.js';

// Issue 7: the proxy "refuses to start, with one clear line, when the policy does not parse, the
// log cannot be recovered, or a required register backend is missing". Each case runs the real
// binary with everything else valid and checks: exit code 2, exactly one stderr line naming the
// problem (no stack trace, no pino output), and no socket left behind or listening.

const GOOD_POLICY = 'package agent_policy\n\nimport rego.v1\n\ndefault ExecProcessRequest := true\n';

let tmp: { dir: string; cleanup: () => void };
let agent: AgentProcess;
let n = 0;

before(async () => {
  tmp = tempDir('ward-proxy-startup-');
  agent = await startAgent(tmp.dir);
  writeFileSync(join(tmp.dir, 'good.rego'), GOOD_POLICY);
});

after(async () => {
  await agent?.stop();
  tmp?.cleanup();
});

/** A case's own socket, log and register, and the flags naming them. */
function fresh(): { socket: string; log: string; register: string; args: string[] } {
  n++;
  const socket = join(tmp.dir, `proxy-${n}.sock`);
  const log = join(tmp.dir, `log-${n}`);
  const register = `software:${join(tmp.dir, `register-${n}`)}`;
  const args = [
    '--listen',
    `unix://${socket}`,
    '--agent',
    agent.address,
    '--log',
    log,
    '--register',
    register,
  ];
  return { socket, log, register, args };
}

/** Runs the binary, expecting a refused start, and returns its one stderr line. */
async function refused(args: readonly string[], socket: string): Promise<string> {
  const r = await runToExit(PROXY_BIN, args);
  assert.equal(r.signal, null, `exited on its own (stderr: ${r.stderr})`);
  assert.equal(r.code, 2, `exit code 2 (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n');
  assert.equal(lines.at(-1), '', 'stderr ends with a newline');
  assert.equal(lines.length, 2, `exactly one stderr line, got: ${JSON.stringify(r.stderr)}`);
  const line = lines[0] ?? '';
  assert.match(line, /^ward-agent-proxy: \S/);
  assert.doesNotMatch(line, /\bat .*\.js:\d+|^\{/, 'no stack trace, no JSON log line');
  assert.ok(!existsSync(socket), 'no socket file left behind');
  await assert.rejects(connect(`unix://${socket}`, { timeoutMs: 1000 }), 'nothing listening');
  return line;
}

test('a policy that does not parse: exit 2, one line naming the policy', async (t) => {
  const c = fresh();
  const bad = join(tmp.dir, 'syntax-error.rego');
  writeFileSync(bad, 'package agent_policy\n\ndefault ExecProcessRequest := \n  {{{ not rego\n');
  const line = await refused([...c.args, '--policy', bad], c.socket);
  t.diagnostic(line);
  assert.match(line, /policy does not load: /);
  assert.ok(!existsSync(c.log), 'no log created for a proxy that cannot decide');
});

test('a log its register does not explain: recovery refuses, the log is left untouched', async (t) => {
  const c = fresh();
  const first = await spawnProxy(`unix://${c.socket}`, [...c.args, '--policy', join(tmp.dir, 'good.rego')]);
  await first.stop();
  const before = readFileSync(c.log);
  assert.ok(before.length > 0, 'the first start wrote its policy event');
  // Same log, a fresh software register (its initial value): the log no longer replays to it.
  const other = `software:${join(tmp.dir, `register-other-${n}`)}`;
  const args = c.args.map((a) => (a === c.register ? other : a));
  const line = await refused([...args, '--policy', join(tmp.dir, 'good.rego')], c.socket);
  t.diagnostic(line);
  assert.match(line, /measurement log cannot be recovered: /);
  assert.deepEqual(readFileSync(c.log), before, 'the refused start changed nothing in the log');
  assert.ok(!existsSync(`${c.log}.lock`), 'the log lock is released');
});

test('a required TPM register that is not there: exit 2, one line naming the backend', async (t) => {
  const c = fresh();
  const args = c.args.map((a) => (a === c.register ? 'tpm:swtpm:/nonexistent.sock:pcr=23' : a));
  const line = await refused([...args, '--policy', join(tmp.dir, 'good.rego')], c.socket);
  t.diagnostic(line);
  assert.match(line, /register backend unavailable: /);
  assert.ok(!existsSync(c.log), 'no log opened without its register');
});

test('an unknown key in the TOML config: exit 2, one line naming the key', async (t) => {
  const c = fresh();
  const cfg = join(tmp.dir, 'unknown-key.toml');
  writeFileSync(cfg, `[policy]\nfile = "${join(tmp.dir, 'good.rego')}"\nallow_everything = true\n`);
  const line = await refused([...c.args, '--config', cfg], c.socket);
  t.diagnostic(line);
  assert.match(line, /unknown-key\.toml: policy\.allow_everything: unknown key$/);
});

test('malformed init-data: exit 2, one line naming init-data', async (t) => {
  const c = fresh();
  const file = join(tmp.dir, 'initdata.toml');
  writeFileSync(file, 'version = "0.1.0"\nalgorithm = "sha384"\n[data\npolicy.rego = 1\n');
  const line = await refused([...c.args, '--initdata', file], c.socket);
  t.diagnostic(line);
  assert.match(line, /init-data/);
  const d = fresh();
  const annotation = await refused([...d.args, '--initdata-annotation', '!!not base64 gzip!!'], d.socket);
  t.diagnostic(annotation);
  assert.match(annotation, /init-data/);
});

test('a metrics address that cannot be served: the already-open listener is closed again', async (t) => {
  const c = fresh();
  const args = [...c.args, '--policy', join(tmp.dir, 'good.rego')];
  const line = await refused([...args, '--metrics', join(tmp.dir, 'no-such-dir', 'metrics.sock')], c.socket);
  t.diagnostic(line);
  assert.match(line, /metrics\.sock/);
  assert.ok(!existsSync(`${c.log}.lock`), 'the log lock is released');
});
