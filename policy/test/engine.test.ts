import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, PolicyError, toJson } from '../index.js';

// Data-driven cases: policy, input, query → JSON of the first expression (undefined = no rows).
const CASES: readonly {
  name: string;
  src: string;
  input?: string;
  query: string;
  want: string | undefined;
}[] = [
  { name: 'complete rule', src: 'package t\np := 1 + 2', query: 'data.t.p', want: '3' },
  {
    // Refs into a literal rule are resolved once per policy; `with data` must still override them.
    name: 'a literal rule read directly, through a function and under with data',
    src: [
      'package t',
      'pd := {"a": {"b": "x"}}',
      'f(s) := concat("-", [pd.a.b, s])',
      'r := [y, z] if { y := concat("-", [pd.a.b, "r"]); z := f("f") }',
      'o := x if { x := r with data.t.pd as {"a": {"b": "q"}} }',
      'm := x if { x := r with data.t.pd.a.b as "m" }',
      'both := [r, o, m, r]',
    ].join('\n'),
    query: 'data.t.both',
    want: '[["x-r","x-f"],["q-r","q-f"],["m-r","m-f"],["x-r","x-f"]]',
  },
  {
    // Calls of user functions and builtins nested in operands run without continuations: each
    // outcome (a value, false, no value, a type error, a bound result) must match the general path.
    name: 'function calls and nested builtins as whole expressions',
    src: [
      'package t',
      'even(n) if { n % 2 == 0 }',
      'half(n) := n / 2 if { even(n) }',
      'no(n) := false if { n > 0 }',
      'r := [a, b, c, d, e, g] if {',
      '  a := half(8)',
      '  even(a)',
      '  count(input.xs) == 3',
      '  b := count(input.xs) + half(4)',
      '  c := [x | some x in input.xs; not even(x)]',
      '  d := {n | some n in [1, 2]; half(2) == n}',
      '  e := [z | z := 1; not half(3)]',
      '  g := [y | y := half(6); y == half(6)]',
      '}',
      'miss := [m | some m in [1]; no(1)]',
      'typed := [m | some m in [1]; count(input.n) == 0]',
      'odd := [m | some m in [1]; half(3)]',
      'bound := [x | x := 2; x = half(4)]',
      'clash := [x | x := 2; x = half(6)]',
      'out := [r, miss, typed, odd, bound, clash]',
    ].join('\n'),
    input: '{"xs": [1, 2, 3], "n": 5}',
    query: 'data.t.out',
    want: '[[4,5,[1,3],[1],[1],[3]],[],[],[],[2],[]]',
  },
  {
    // Constant runs (policy/eval/runs.ts) are worked out once and replayed; `with data` and runs
    // with too many solutions take the general path.
    name: 'constant runs: several solutions, one, replayed, under with data, too many to keep',
    src: [
      'package t',
      `pd := {"xs": ["a=1", "b=2", "c"], "n": [${Array.from({ length: 20 }, (_, i) => i).join(', ')}]}`,
      'f(v) := [k | some x in pd.xs; parts := split(x, "="); count(parts) == 2; k := concat(":", [parts[0], v])]',
      's(v) := concat("", [y, v]) if { y := replace("a-b", "-", "+") }',
      'g := y if { y := f("w") with data.t.pd.xs as ["z=9"] }',
      'big := count([1 | some a in pd.n; some b in pd.n])',
      'out := [f("p"), f("q"), s("1"), s("2"), g, big, f("p"), s("1")]',
    ].join('\n'),
    query: 'data.t.out',
    want: '[["a:p","b:p"],["a:q","b:q"],"a+b1","a+b2",["z:w"],400,["a:p","b:p"],"a+b1"]',
  },
  {
    name: 'big integers stay exact',
    src: 'package t\np := 18446744073709551614 + 1',
    query: 'data.t.p',
    want: '18446744073709551615',
  },
  { name: 'decimals are exact', src: 'package t\np := 0.1 + 0.2', query: 'data.t.p', want: '0.3' },
  {
    name: 'partial set',
    src: 'package t\np contains x if { some x in [3, 1, 2]; x > 1 }',
    query: 'data.t.p',
    want: '[2,3]',
  },
  {
    // `some x in c` with c a simple read iterates without continuations: every kind of
    // collection, a name used before (`some` declares a new variable), a pattern, a scalar, a
    // collection that needs evaluation, early exit, nesting and backtracking must all match the
    // general path.
    name: 'some x in: arrays, objects, sets, bound variables, scalars and computed collections',
    src: [
      'package t',
      'import rego.v1',
      'xs := [3, 1, 2]',
      'o := {"b": 20, "a": 10}',
      's := {"q", "p"}',
      'arr := [x | some x in xs; x > 1]',
      'obj := [v | some v in o]',
      'set := [m | some m in s]',
      'shadow := [x | x := 2; some x in xs]',
      'pattern := [a | some [a, _] in [[1, 2], [3, 4]]]',
      'scalar := [x | some x in input.n]',
      'computed := [x | some x in array.concat(xs, [4]); x > 2]',
      'nested := [[a, b] | some a in xs; some b in s; a < 2]',
      'first if { some x in input.l; x == "b" }',
      'r := [arr, obj, set, shadow, pattern, scalar, computed, nested, first]',
    ].join('\n'),
    input: '{"n": 5, "l": ["a", "b", "c"]}',
    query: 'data.t.r',
    want: '[[3,2],[10,20],["p","q"],[3,1,2],[1,3],[],[3,4],[[1,"p"],[1,"q"]],true]',
  },
  {
    name: 'partial object',
    src: 'package t\np[k] := v if { some k, v in {"a": 1, "b": 2} }',
    query: 'data.t.p',
    want: '{"a":1,"b":2}',
  },
  {
    name: 'default and else',
    src: 'package t\ndefault p := 0\np := 1 if { input.x == 1 } else := 2 if { input.x == 2 }',
    input: '{"x":2}',
    query: 'data.t.p',
    want: '2',
  },
  {
    // null is a value: a rule or function that yields it does not fall back to its default.
    name: 'null values beside defaults',
    src: 'package t\ndefault p := 1\np := null if { true }\ndefault f(_) := 2\nf(x) := null if { x > 0 }\nr := [p, f(1), f(-1)]',
    query: 'data.t.r',
    want: '[null,null,2]',
  },
  {
    name: 'default applies',
    src: 'package t\ndefault p := 0\np := 1 if { input.x == 1 }',
    input: '{"x":3}',
    query: 'data.t.p',
    want: '0',
  },
  {
    name: 'functions with several bodies',
    src: 'package t\nf(x) := "a" if { x < 0 }\nf(x) := "b" if { x >= 0 }\np := [f(-1), f(1)]',
    query: 'data.t.p',
    want: '["a","b"]',
  },
  { name: 'every', src: 'package t\np if { every x in [1, 2] { x > 0 } }', query: 'data.t.p', want: 'true' },
  { name: 'not', src: 'package t\np if { not q }\nq if { false }', query: 'data.t.p', want: 'true' },
  { name: 'with input', src: 'package t\np := input.x', query: 'data.t.p with input.x as 7', want: '7' },
  {
    name: 'comprehensions',
    src: 'package t\np := {x: y | some x in ["a"]; y := count(x)}',
    query: 'data.t.p',
    want: '{"a":1}',
  },
  {
    name: 'ref heads',
    src: 'package t\na.b.c := 1\na.b[k] := 2 if { k := "d" }',
    query: 'data.t.a',
    want: '{"b":{"c":1,"d":2}}',
  },
  {
    name: 'v0 syntax',
    src: 'package t\nimport future.keywords.in\np[x] { x := 1 }\nq { 1 in p }',
    query: 'data.t.q',
    want: 'true',
  },
  { name: 'undefined', src: 'package t\np if { false }', query: 'data.t.p', want: undefined },
  { name: 'unification', src: 'package t\np := y if { [1, y] = [1, 5] }', query: 'data.t.p', want: '5' },
  { name: 'sets and comparisons', src: 'package t\np := {1, 2} | {3}', query: 'data.t.p', want: '[1,2,3]' },
];

for (const c of CASES) {
  test(`engine: ${c.name}`, () => {
    const e = new Engine({ v0Compatible: c.name === 'v0 syntax' });
    e.addPolicy('t.rego', c.src);
    if (c.input !== undefined) e.setInputJson(c.input);
    const r = e.evalQuery(c.query);
    const v = r.rows[0]?.expressions[0]?.value;
    assert.equal(v === undefined ? undefined : toJson(v), c.want);
  });
}

test('conflicting complete rule values are eval_conflict_error', () => {
  const e = new Engine();
  e.addPolicy('t.rego', 'package t\np := 1\np := 2');
  assert.throws(
    () => e.evalQuery('data.t.p'),
    (err: unknown) => err instanceof PolicyError && err.code === 'eval_conflict_error',
  );
});

test('unsafe variables are compile errors with a location', () => {
  const e = new Engine();
  e.addPolicy('u.rego', 'package t\np if { x > 1 }');
  assert.throws(
    () => e.evalQuery('data.t.p'),
    (err: unknown) =>
      err instanceof PolicyError && err.code === 'rego_unsafe_var_error' && /u\.rego:2:/.test(err.message),
  );
});

test('parse errors carry file:line:col', () => {
  const e = new Engine();
  assert.throws(
    () => e.addPolicy('bad.rego', 'package t\np := [1,'),
    (err: unknown) => err instanceof PolicyError && /bad\.rego:2:/.test(err.message),
  );
});

test('print output is gathered per evaluation', () => {
  const e = new Engine();
  e.addPolicy('p.rego', 'package t\np if { print("hello", input.x, input.missing) }');
  e.setInputJson('{"x": [1]}');
  assert.deepEqual(e.evalQuery('data.t.p').prints, ['p.rego:2: hello [1] <undefined>']);
});

test('a function called as a whole expression prints once, whether it succeeds or not', () => {
  const e = new Engine();
  e.addPolicy(
    'f.rego',
    [
      'package t',
      'f(x) := y if { print("f", x); y := x + 1 }',
      'g(x) if { print("g", x); x > 1 }',
      'p if { a := f(1); g(a); not g(0); f(input.missing) }',
      'p if { f(2) == 3 }',
    ].join('\n'),
  );
  assert.deepEqual(e.evalQuery('data.t.p').prints, [
    'f.rego:2: f 1',
    'f.rego:3: g 2',
    'f.rego:3: g 0',
    'f.rego:2: f 2',
  ]);
});

test('strict builtin errors abort, non-strict make the expression undefined', () => {
  const src = 'package t\np := 1 / 0';
  const lax = new Engine();
  lax.addPolicy('d.rego', src);
  assert.equal(lax.evalQuery('data.t.p').rows.length, 0);
  const strict = new Engine({ strictBuiltinErrors: true });
  strict.addPolicy('d.rego', src);
  assert.throws(
    () => strict.evalQuery('data.t.p'),
    (err: unknown) => err instanceof PolicyError && err.code === 'eval_builtin_error',
  );
});

test('evalDataPath gives what the query data.<path> gives, prints and errors included', () => {
  const e = new Engine();
  e.addPolicy(
    'p.rego',
    [
      'package t',
      'r := input.x + 1 if { print("r", input.x) }',
      'obj := {"a": [1, {"b": true}]}',
      'set contains v if { some v in [3, 1, 2] }',
      'clash := 1',
      'clash := 2 if { input.x > 0 }',
    ].join('\n'),
  );
  e.addPolicy('sub.rego', 'package t.sub\nq := "sub"');
  e.setInputJson('{"x": 4}');
  for (const path of [
    ['t', 'r'],
    ['t', 'obj'],
    ['t', 'set'],
    ['t', 'sub'],
    ['t', 'missing'],
  ]) {
    const q = e.evalQuery(`data.${path.join('.')}`);
    const d = e.evalDataPath(path);
    const want = q.rows[0]?.expressions[0]?.value;
    assert.equal(
      d.value === undefined ? undefined : toJson(d.value),
      want === undefined ? undefined : toJson(want),
      path.join('.'),
    );
    assert.deepEqual(d.prints, q.prints, path.join('.'));
  }
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (err) {
      return err instanceof PolicyError ? err.code : String(err);
    }
    return undefined;
  };
  assert.equal(
    code(() => e.evalDataPath(['t', 'clash'])),
    'eval_conflict_error',
  );
  assert.equal(
    code(() => e.evalDataPath(['t', 'clash'])),
    code(() => e.evalQuery('data.t.clash')),
  );
});
