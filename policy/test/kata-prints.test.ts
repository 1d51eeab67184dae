import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultRegistry, Engine, KataPolicy, parseJson, toJson } from '../index.js';
import { corpusRequests, KATA_CORPUS } from './kata-corpus-fixture.js';

// `printsOnDenial` (the proxy's mode) must decide exactly as the default mode: same outcome,
// message, state and (for denials) prints, on every request sequence of the Kata corpus.

const corpus = KATA_CORPUS;
const dirs = existsSync(corpus) ? readdirSync(corpus).sort() : [];

test('printsOnDenial decides the Kata corpus exactly as the default mode', () => {
  // The corpus is part of the test set-up (../shared/conformance): missing, the test fails.
  assert.ok(dirs.length > 0, `Kata corpus not found at ${corpus}`);
  let denials = 0;
  let allowed = 0;
  for (const d of dirs) {
    const source = readFileSync(join(corpus, d, 'policy.rego'), 'utf8');
    const full = new KataPolicy(source);
    const lazy = new KataPolicy(source, { printsOnDenial: true });
    const reqs = corpusRequests(readFileSync(join(corpus, d, 'inputs.txt'), 'utf8'));
    reqs.forEach((r, i) => {
      const what = `${d} request #${i} ${r.ep}`;
      const a = full.decide(r.ep, parseJson(r.input));
      const b = lazy.decide(r.ep, parseJson(r.input));
      assert.equal(b.allowed, a.allowed, what);
      assert.equal(b.message, a.message, what);
      assert.equal(toJson(b.state), toJson(a.state), what);
      assert.equal(b.error?.message, a.error?.message, what);
      if (a.allowed) {
        allowed++;
        assert.deepEqual(b.prints, [], `${what}: an allowed decision gathers no prints`);
      } else {
        denials++;
        assert.deepEqual(b.prints, a.prints, what);
      }
    });
  }
  // The corpus must exercise both paths, or this test proves nothing.
  assert.ok(denials > 0 && allowed > 0, `denials ${denials}, allowed ${allowed}`);
});

test('printsOnDenial: the second evaluation of a denial reads the same clock', () => {
  let tick = 0n;
  const now = (): bigint => ++tick;
  const policy =
    'package agent_policy\nimport rego.v1\ndefault ExecProcessRequest := false\nExecProcessRequest if {\n  print("now", time.now_ns())\n  time.now_ns() == 1\n}\n';
  const lazy = new KataPolicy(policy, { printsOnDenial: true, now });
  tick = 0n;
  const allowed = lazy.decide('ExecProcessRequest', parseJson('{}'));
  assert.equal(allowed.allowed, true);
  assert.equal(tick, 1n, 'an allowed request is evaluated once');
  const denied = lazy.decide('ExecProcessRequest', parseJson('{}'));
  assert.equal(denied.allowed, false);
  assert.equal(tick, 2n, 'the denial is evaluated again at the same time');
  assert.match(denied.message, /^ExecProcessRequest is blocked by policy: .*now 2$/);
});

test('printsOnDenial: a second evaluation that would allow changes neither outcome nor state', () => {
  // A nondeterministic builtin that says no, then yes: the re-run for prints must not apply the
  // ops of an outcome the request did not get.
  let calls = 0;
  const registry = defaultRegistry().clone();
  registry.register({ name: 'test.flip', arity: 0, impl: () => calls++ % 2 === 1, nondeterministic: true });
  const policy = [
    'package agent_policy',
    'import rego.v1',
    'ExecProcessRequest := {"allowed": test.flip(), "ops": [{"op": "add", "path": "/pstate/x", "value": 1}]} if print("asked")',
  ].join('\n');
  const lazy = new KataPolicy(policy, { printsOnDenial: true, registry });
  const denied = lazy.decide('ExecProcessRequest', parseJson('{}'));
  assert.equal(calls, 2, 'evaluated twice');
  assert.equal(denied.allowed, false);
  assert.match(denied.message, /blocked by policy: .*asked$/);
  assert.equal(toJson(lazy.state), '{}');
});

test('print operands are not evaluated when prints are not gathered', () => {
  const e = new Engine();
  e.addPolicy('p.rego', 'package p\nallow if {\n  print("n", count(input.xs))\n  input.ok\n}\n');
  e.setInputJson('{"xs": [1, 2], "ok": true}');
  const gathered = e.evalQuery('data.p.allow');
  assert.deepEqual(gathered.prints, ['p.rego:3: n 2']);
  const skipped = e.evalQuery('data.p.allow', { prints: false });
  assert.equal(skipped.rows[0]?.expressions[0]?.value, true);
  assert.deepEqual(skipped.prints, []);
});

test('a data ref into a rule already evaluated reads its memo, and `with data` still overrides it', () => {
  const e = new Engine();
  e.addPolicy(
    'p.rego',
    [
      'package p',
      'conf := {"a": {"b": input.v}}',
      'first := x if { x := replace(conf.a.b, "1", "2") }',
      'second := y if { _ := conf; y := replace(conf.a.b, "1", "3") }',
      'overridden := y if { _ := conf; y := replace(conf.a.b, "1", "3") with data.p.conf as {"a": {"b": "19"}} }',
    ].join('\n'),
  );
  e.setInputJson('{"v": "x1"}');
  const v = (rule: string): unknown => e.evalQuery(`data.p.${rule}`).rows[0]?.expressions[0]?.value;
  assert.equal(v('first'), 'x2');
  assert.equal(v('second'), 'x3');
  assert.equal(v('overridden'), '39');
});
