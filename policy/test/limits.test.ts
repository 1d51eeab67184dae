import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, PolicyError } from '../index.js';

const small = { maxSteps: 200_000, maxMillis: 2_000, maxDepth: 64 };

function evalErr(src: string, query: string): PolicyError {
  const e = new Engine({ limits: small });
  e.addPolicy('limits.rego', src);
  try {
    e.evalQuery(query);
  } catch (err) {
    assert.ok(err instanceof PolicyError, `expected a PolicyError, got ${String(err)}`);
    return err;
  }
  assert.fail('evaluation succeeded');
}

test('unbounded rule recursion is an error', () => {
  const err = evalErr('package r\np if { q }\nq if { p }\n', 'data.r.p');
  assert.equal(err.code, 'rego_recursion_error');
  assert.match(err.message, /data\.r\.p -> data\.r\.q -> data\.r\.p/);
});

test('unbounded function recursion is an error', () => {
  const err = evalErr('package r\nf(x) := y if { y := f(x + 1) }\n', 'data.r.f(1)');
  assert.equal(err.code, 'rego_recursion_error');
});

test('references that cannot reach a rule are not recursion', () => {
  const e = new Engine({ limits: small });
  e.addPolicy('r.rego', 'package r\np := data[k].q if { k := "other" }\n');
  e.addPolicy('o.rego', 'package other\nq := 1\n');
  assert.equal(e.evalQuery('data.r.p').rows[0]?.expressions[0]?.value, 1n);
});

test('an exponential comprehension exhausts the step budget', () => {
  const src = `package r
n := numbers.range(1, 200)
p := [x | some a in n; some b in n; some c in n; x := a + b + c]
`;
  const err = evalErr(src, 'data.r.p');
  assert.equal(err.code, 'eval_limit_error');
});

test('a 17 MiB policy is rejected before parsing', () => {
  const line = `# ${'x'.repeat(1000)}\n`;
  const src = `package big\n${line.repeat(Math.ceil((17 * 1024 * 1024) / line.length))}`;
  const e = new Engine();
  assert.throws(
    () => e.addPolicy('big.rego', src),
    (err: unknown) => {
      return err instanceof PolicyError && err.code === 'policy_limit_error' && /bytes/.test(err.message);
    },
  );
});

test('a line over 64 KiB is rejected', () => {
  const e = new Engine();
  assert.throws(
    () => e.addPolicy('long.rego', `package l\np := "${'a'.repeat(70_000)}"\n`),
    (err: unknown) => err instanceof PolicyError && err.code === 'policy_limit_error',
  );
});

test('more than 200,000 lines are rejected', () => {
  const e = new Engine();
  assert.throws(
    () => e.addPolicy('lines.rego', `package l\n${'\n'.repeat(200_001)}`),
    (err: unknown) => err instanceof PolicyError && err.code === 'policy_limit_error',
  );
});

test('a constant run replayed from its first evaluation is charged the steps it took then', () => {
  // policy/eval/runs.ts: the second evaluation replays the run's solutions and must hit the step
  // budget exactly where the first did.
  const src = [
    'package r',
    'pd := {"xs": ["a=1", "b=2", "c=3", "d"]}',
    'p := [k | some x in pd.xs; parts := split(x, "="); count(parts) == 2; k := concat(":", [parts[1], input.v])]',
  ].join('\n');
  const outcome = (maxSteps: number): [boolean, boolean] => {
    const e = new Engine({ limits: { ...small, maxSteps } });
    e.addPolicy('runs.rego', src);
    e.setInputJson('{"v": "x"}');
    const once = (): boolean => {
      try {
        return e.evalQuery('data.r.p').rows.length === 1;
      } catch (err) {
        assert.ok(err instanceof PolicyError && err.code === 'eval_limit_error', String(err));
        return false;
      }
    };
    return [once(), once()];
  };
  let lo = 1;
  let hi = 10_000;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (outcome(mid)[0]) hi = mid;
    else lo = mid + 1;
  }
  assert.ok(lo > 10, `the query takes ${lo} steps`);
  assert.deepEqual(outcome(lo), [true, true]);
  assert.deepEqual(outcome(lo - 1), [false, false]);
});
