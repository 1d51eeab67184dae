import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  argKey,
  CALL_MEMO_ENTRIES_PER_FUNCTION,
  CALL_MEMO_MAX_ENTRIES,
  CALL_MEMO_MAX_KEY_CHARS,
  CallMemo,
  callKey,
} from '../eval/call-memo.js';
import { UNDEF } from '../eval/frame.js';
import { INTERNED_PER_HASH_MAX, INTERNED_VALUES_MAX, valueId } from '../eval/intern.js';
import { defaultRegistry, Engine, equal, fromJs, PolicyError, toJson, type Value } from '../index.js';
import { RuleNode } from '../lang/rule-tree.js';

// Results of functions that depend only on their arguments, the policy and the base data are
// kept across evaluations (policy/eval/call-memo.ts). Each case counts how often a function's
// body really ran, through a builtin that counts its calls.

interface Counted {
  readonly engine: Engine;
  readonly calls: () => number;
}

function counted(rego: string, opts: { memoiseCalls?: boolean } = {}): Counted {
  let calls = 0;
  const registry = defaultRegistry().clone();
  registry.register({
    name: 'test.count',
    arity: 1,
    impl: (args) => {
      calls++;
      return args[0]!;
    },
  });
  registry.register({ name: 'test.fresh', arity: 1, impl: (args) => args[0]!, nondeterministic: true });
  // A clock that moves one tick per evaluation, the same in every engine made here.
  let tick = 0n;
  const engine = new Engine({ registry, now: () => tick++, ...opts });
  engine.addPolicy('p.rego', `package p\nimport rego.v1\n${rego}`);
  return { engine, calls: () => calls };
}

function value(e: Engine, query: string, prints = false): string {
  const v = e.evalQuery(query, { prints }).rows[0]?.expressions[0]?.value;
  return v === undefined ? 'undefined' : toJson(v);
}

/** The value `x` is bound to by a query. */
function bound(e: Engine, query: string): string {
  const v = e.evalQuery(query, { prints: false }).rows[0]?.bindings.get('x');
  return v === undefined ? 'undefined' : toJson(v);
}

/** Policy, the two queries asked in turn, and whether the second reuses the first's result. */
const CASES: readonly { name: string; rego: string; queries: [string, string]; reused: boolean }[] = [
  {
    name: 'arguments only',
    rego: 'f(x) := test.count(x)',
    queries: ['data.p.f(1)', 'data.p.f(1)'],
    reused: true,
  },
  {
    name: 'other arguments',
    rego: 'f(x) := test.count(x)',
    queries: ['data.p.f(1)', 'data.p.f(2)'],
    reused: false,
  },
  {
    name: 'a parameter no definition reads',
    rego: 'f(x, y) := test.count(x)',
    queries: ['data.p.f(1, "a")', 'data.p.f(1, "b")'],
    reused: true,
  },
  {
    name: 'a parameter one of two definitions reads',
    rego: 'f(x, y) := test.count(x) if y == "a"\nf(x, _) := 0 if false\nf(x, y) := test.count(x) if y == "b"',
    queries: ['data.p.f(1, "a")', 'data.p.f(1, "b")'],
    reused: false,
  },
  {
    name: 'equal composite arguments in different objects',
    rego: 'f(o) := test.count(o.a)',
    queries: ['data.p.f({"a": [1, {"b": "c"}]})', 'data.p.f({"a": [1, {"b": "c"}]})'],
    reused: true,
  },
  {
    name: 'composite arguments that differ deep inside',
    rego: 'f(o) := test.count(o.a)',
    queries: ['data.p.f({"a": [1, {"b": "c"}]})', 'data.p.f({"a": [1, {"b": "d"}]})'],
    reused: false,
  },
  {
    name: 'reads input',
    rego: 'f(x) := test.count(input.a)',
    queries: ['data.p.f(1)', 'data.p.f(1)'],
    reused: false,
  },
  {
    name: 'calls a function that reads input',
    rego: 'g(x) := input.a\nf(x) := test.count(g(x))',
    queries: ['data.p.f(1)', 'data.p.f(1)'],
    reused: false,
  },
  {
    name: 'reads a rule that reads input',
    rego: 'r := input.a\nf(x) := test.count([x, r])',
    queries: ['data.p.f(1)', 'data.p.f(1)'],
    reused: false,
  },
  {
    name: 'reads input in a comprehension',
    rego: 'f(x) := test.count([y | some y in input.l])',
    queries: ['data.p.f(1)', 'data.p.f(1)'],
    reused: false,
  },
  {
    name: 'uses with',
    rego: 'g := input.a\nf(x) := test.count(g) if { g with input.a as x }',
    queries: ['data.p.f(1)', 'data.p.f(1)'],
    reused: false,
  },
  {
    name: 'calls a nondeterministic builtin',
    rego: 'f(x) := test.count(test.fresh(x))',
    queries: ['data.p.f(1)', 'data.p.f(1)'],
    reused: false,
  },
  {
    name: 'reads the clock',
    rego: 'f(x) := test.count([x, time.now_ns()])',
    queries: ['data.p.f(1)', 'data.p.f(1)'],
    reused: false,
  },
  {
    name: 'reads base data and rules that read only data',
    rego: 'r := data.d.v\nf(x) := test.count([x, r, data.d.w])',
    queries: ['data.p.f(1)', 'data.p.f(1)'],
    reused: true,
  },
];

/**
 * Asks the same two things of an engine with the memo and of one without: the answers must be
 * equal, the body must run twice without the memo, and once with it when `reused`.
 */
function checkReuse(rego: string, ask: (e: Engine, n: 0 | 1) => string, reused: boolean): void {
  const on = counted(rego);
  const off = counted(rego, { memoiseCalls: false });
  const answers = [on, off].map((x) => [ask(x.engine, 0), ask(x.engine, 1)]);
  assert.deepEqual(answers[0], answers[1], 'the same answers as without the memo');
  assert.equal(on.calls(), reused ? 1 : 2);
  assert.equal(off.calls(), 2);
}

for (const c of CASES) {
  test(`call memo: ${c.name} → ${c.reused ? 'reused' : 'evaluated again'}`, () => {
    const ask = (e: Engine, n: 0 | 1): string => {
      // Once: a change of data starts the memo over.
      if (n === 0) {
        e.setData(fromJs({ d: { v: 1, w: 2 } }));
        e.setInputJson('{"a": 5, "l": [1, 2]}');
      }
      return value(e, c.queries[n]);
    };
    checkReuse(c.rego, ask, c.reused);
  });
}

/** A rule `r`, the inputs of two evaluations of `data.p.r`, and whether the second reuses the first's value. */
const RULE_CASES: readonly { name: string; rego: string; inputs: [string, string]; reused: boolean }[] = [
  {
    name: 'the same input path',
    rego: 'r := test.count(input.a)',
    inputs: ['{"a": 1, "b": 1}', '{"a": 1, "b": 2}'],
    reused: true,
  },
  {
    name: 'another value there',
    rego: 'r := test.count(input.a)',
    inputs: ['{"a": 1}', '{"a": 2}'],
    reused: false,
  },
  {
    name: 'an equal composite there',
    rego: 'r := test.count(input.a.b)',
    inputs: ['{"a": {"b": [1, {"c": "d"}]}, "x": 1}', '{"a": {"b": [1, {"c": "d"}]}, "x": 2}'],
    reused: true,
  },
  {
    name: 'a missing key, then a null there',
    rego: 'r := test.count(input.a.b) if input.a.b else := test.count(0)',
    inputs: ['{"x": 1}', '{"a": {"b": null}}'],
    reused: false,
  },
  {
    name: 'an index after the path',
    rego: 'r := test.count(input.l[0])',
    inputs: ['{"l": [1, 2], "x": 1}', '{"l": [1, 3], "x": 2}'],
    reused: false,
  },
  {
    name: 'the whole input',
    rego: 'r := test.count(count(input))',
    inputs: ['{"a": 1, "b": 1}', '{"a": 1, "b": 2}'],
    reused: false,
  },
  {
    name: 'the whole input, in a print only',
    rego: 'r := test.count(input.a) if print(input)',
    inputs: ['{"a": 1, "b": 1}', '{"a": 1, "b": 2}'],
    reused: true,
  },
  {
    name: 'a function reading input, called by the rule',
    rego: 'g(x) := input.b\nr := test.count([input.a, g(1)])',
    inputs: ['{"a": 1, "b": 1}', '{"a": 1, "b": 2}'],
    reused: false,
  },
  {
    name: 'another rule reading other paths',
    rego: 's := input.b\nr := test.count([input.a, s])',
    inputs: ['{"a": 1, "b": 1, "c": 1}', '{"a": 1, "b": 1, "c": 2}'],
    reused: true,
  },
  {
    name: 'the clock',
    rego: 'r := test.count([input.a, time.now_ns()])',
    inputs: ['{"a": 1}', '{"a": 1}'],
    reused: false,
  },
];

for (const c of RULE_CASES) {
  test(`rule memo: ${c.name} → ${c.reused ? 'reused' : 'evaluated again'}`, () => {
    const ask = (e: Engine, n: 0 | 1): string => {
      e.setInputJson(c.inputs[n]);
      return value(e, 'data.p.r');
    };
    checkReuse(c.rego, ask, c.reused);
  });
}

test('call memo: evaluations that gather prints run every call, and print', () => {
  const { engine, calls } = counted('f(x) := test.count(x) if print("in f", x)');
  assert.equal(value(engine, 'data.p.f(1)'), '1');
  assert.equal(value(engine, 'data.p.f(1)'), '1');
  const r = engine.evalQuery('data.p.f(1)', { prints: true });
  assert.equal(r.prints.length, 1);
  assert.match(r.prints[0]!, /in f 1$/);
  assert.equal(calls(), 2, 'once without prints, once with');
});

test('call memo: forgotten when the base data or the policies change', () => {
  const { engine, calls } = counted('f(x) := test.count([x, data.d.v])');
  engine.setData(fromJs({ d: { v: 1 } }));
  assert.equal(value(engine, 'data.p.f(1)'), '[1,1]');
  engine.setData(fromJs({ d: { v: 2 } }));
  assert.equal(value(engine, 'data.p.f(1)'), '[1,2]');
  engine.addData(fromJs({ d: { v: 3 } }));
  assert.equal(value(engine, 'data.p.f(1)'), '[1,3]');
  engine.addPolicy('p.rego', 'package p\nimport rego.v1\nf(x) := test.count([x, data.d.v, "new"])');
  assert.equal(value(engine, 'data.p.f(1)'), '[1,3,"new"]');
  assert.equal(calls(), 4);
  assert.equal(value(engine, 'data.p.f(1)'), '[1,3,"new"]');
  assert.equal(calls(), 4);
});

test('call memo: a with in force runs the call, and leaves the remembered result alone', () => {
  const { engine, calls } = counted('f(x) := test.count([x, data.d.v])');
  engine.setData(fromJs({ d: { v: 1 } }));
  assert.equal(value(engine, 'data.p.f(1)'), '[1,1]');
  assert.equal(bound(engine, 'x := data.p.f(1) with data.d.v as 9'), '[1,9]');
  assert.equal(bound(engine, 'x := data.p.f(1) with test.count as "mock"'), '"mock"');
  assert.equal(value(engine, 'data.p.f(1)'), '[1,1]');
  assert.equal(calls(), 2);
});

test('call memo: strict and lenient builtin errors are kept apart, and errors are not kept', () => {
  const { engine, calls } = counted('f(x) := test.count(to_number(x))');
  assert.equal(value(engine, 'data.p.f("x")'), 'undefined', 'lenient: undefined');
  assert.equal(value(engine, 'data.p.f("x")'), 'undefined');
  assert.equal(calls(), 0, 'to_number failed before test.count ran');
  for (let i = 0; i < 2; i++) {
    assert.throws(
      () => engine.evalQuery('data.p.f("x")', { prints: false, strictBuiltinErrors: true }),
      (e: unknown) => e instanceof PolicyError && /to_number/.test(e.message),
      'strict: an error every time',
    );
  }
  assert.equal(value(engine, 'data.p.f("7")'), '7');
  assert.equal(
    toJson(
      engine.evalQuery('data.p.f("7")', { prints: false, strictBuiltinErrors: true }).rows[0]!.expressions[0]!
        .value,
    ),
    '7',
  );
  assert.equal(calls(), 2, 'one lenient and one strict evaluation of f("7")');
});

// Values as JSON produces them: what request inputs and policy data are made of.
const jsonValue = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false),
    fc.string({ unit: fc.constantFrom('a', 's', '1', ':', '#', '\u0000', 'z', 'é') }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie('v'), { maxKeys: 3 }),
  ),
})).v;

test('argument keys: equal keys only for equal argument lists; copies of a value share a key', () => {
  fc.assert(
    fc.property(
      fc.array(jsonValue, { minLength: 1, maxLength: 3 }),
      fc.array(jsonValue, { minLength: 1, maxLength: 3 }),
      (a, b) => {
        const n = Math.min(a.length, b.length);
        const positions = [...Array(n).keys()];
        const va = a.slice(0, n).map((x) => fromJs(x));
        const vb = b.slice(0, n).map((x) => fromJs(x));
        if (callKey(positions, va) === callKey(positions, vb)) {
          for (let i = 0; i < n; i++)
            assert.ok(equal(va[i] as Value, vb[i] as Value), 'equal keys name equal values');
        }
        const copies = a.slice(0, n).map((x) => fromJs(JSON.parse(JSON.stringify(x))));
        assert.equal(callKey(positions, copies), callKey(positions, va), 'a copy has the same key');
      },
    ),
    { numRuns: 2000 },
  );
  assert.notEqual(callKey([0, 1], ['a\u0000sb', 'c']), callKey([0, 1], ['a', 'b\u0000sc']));
  assert.notEqual(argKey(fromJs(1)), argKey(fromJs('1')));
});

test('call memo: bounded per function, in all, and by key length', () => {
  const memo = new CallMemo();
  const f = new RuleNode(['p', 'f']);
  for (let i = 0; i < CALL_MEMO_ENTRIES_PER_FUNCTION + 10; i++) memo.set(f, false, `k${i}`, true);
  assert.equal(memo.size.entries, CALL_MEMO_ENTRIES_PER_FUNCTION);
  assert.equal(memo.get(f, false, 'k0'), undefined, 'the oldest went first');
  assert.equal(memo.get(f, false, `k${CALL_MEMO_ENTRIES_PER_FUNCTION + 9}`), true);
  assert.equal(memo.get(f, true, `k${CALL_MEMO_ENTRIES_PER_FUNCTION + 9}`), undefined, 'strict kept apart');
  memo.set(f, false, 'gone', undefined);
  assert.equal(memo.get(f, false, 'gone'), UNDEF, 'an undefined result is remembered as such');
  memo.set(f, false, 'x'.repeat(CALL_MEMO_MAX_KEY_CHARS + 1), true);
  assert.equal(memo.get(f, false, 'x'.repeat(CALL_MEMO_MAX_KEY_CHARS + 1)), undefined, 'too long to keep');
  const nodes = Array.from({ length: 40 }, (_, i) => new RuleNode(['p', `g${i}`]));
  let most = 0;
  for (let i = 0; i < 2 * CALL_MEMO_MAX_ENTRIES; i++) {
    memo.set(nodes[i % nodes.length]!, false, `k${i}`, true);
    most = Math.max(most, memo.size.entries);
  }
  assert.ok(most <= CALL_MEMO_MAX_ENTRIES, `at most ${CALL_MEMO_MAX_ENTRIES} results (${most})`);
});

test('value ids: values the hash cannot tell apart still get their own ids', () => {
  // The hash reads 32 characters from each end of a string and 16 levels of nesting: these
  // differ only where it does not look, so `equal` must tell them apart.
  const middle = (c: string): string => `${'a'.repeat(40)}${c}${'b'.repeat(40)}`;
  const a = fromJs([middle('x')]) as Value[];
  const b = fromJs([middle('y')]) as Value[];
  assert.notEqual(valueId(a), valueId(b));
  assert.equal(valueId(fromJs([middle('x')]) as Value[]), valueId(a), 'an equal copy shares the id');
  const deep = (leaf: string): unknown => {
    let v: unknown = leaf;
    for (let i = 0; i < 20; i++) v = [v];
    return v;
  };
  assert.notEqual(valueId(fromJs(deep('x')) as Value[]), valueId(fromJs(deep('y')) as Value[]));
  const o1 = fromJs({ k: 1, l: 2 });
  const o2 = fromJs({ k: 1, l: 3 });
  assert.notEqual(argKey(o1), argKey(o2));
});

test('value ids: values made to share a hash are kept only so far, and never share an id', () => {
  const colliding = (i: number): Value[] =>
    fromJs([`${'a'.repeat(40)}${String(i).padStart(4, '0')}${'b'.repeat(40)}`]) as Value[];
  const ids = Array.from({ length: 3 * INTERNED_PER_HASH_MAX }, (_, i) => valueId(colliding(i)));
  assert.equal(new Set(ids).size, ids.length, 'distinct values, distinct ids');
  assert.equal(valueId(colliding(0)), ids[0], 'an early one is kept: a copy shares its id');
  const last = ids.length - 1;
  assert.notEqual(valueId(colliding(last)), ids[last], 'one past the bound is not kept');
});

test('value ids: the table of kept values is bounded; what was used lately is still shared', () => {
  const v = (i: number): Value[] => fromJs([`bounded-${i}`]) as Value[];
  const first = valueId(v(0));
  assert.equal(valueId(v(0)), first, 'kept: a copy shares the id');
  for (let i = 1; i <= INTERNED_VALUES_MAX; i++) valueId(v(i));
  assert.notEqual(valueId(v(0)), first, 'forgotten after a full table of others');
  // Across every point where a generation fills (the failure CI once hit: a call's key and
  // its copy's, made right after, named different ids when the table started over between them).
  for (let i = 0; i <= 2 * INTERNED_VALUES_MAX; i++) {
    const args = [v(10_000 + i), v(20_000 + i), v(30_000 + i)];
    const copies = [v(10_000 + i), v(20_000 + i), v(30_000 + i)];
    assert.equal(callKey([0, 1, 2], copies), callKey([0, 1, 2], args), `copies share the key at ${i}`);
  }
  const hot = valueId(v(-1));
  for (let i = 0; i < 3 * INTERNED_VALUES_MAX; i++) {
    valueId(v(40_000 + i));
    if (i % 100 === 0) assert.equal(valueId(v(-1)), hot, 'a value in use keeps its id');
  }
});
