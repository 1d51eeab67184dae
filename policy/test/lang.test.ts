import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, PolicyError } from '../index.js';

// Data-driven parser cases: source → expected error (code and location), or null for success.
const PARSE: readonly { name: string; src: string; v0?: boolean; err: RegExp | null }[] = [
  { name: 'v1 rule', src: 'package t\np if { true }', err: null },
  { name: 'v1 needs if', src: 'package t\np { true }', err: /rego_parse_error: .*`if` keyword is required/ },
  { name: 'v0 body without if', src: 'package t\np { true }', v0: true, err: null },
  { name: 'v0 module opting into v1', src: 'package t\nimport rego.v1\np { true }', v0: true, err: /`if`/ },
  { name: 'missing package', src: 'p := 1', err: /t\.rego:1: rego_parse_error: expected package/ },
  {
    name: 'unterminated string',
    src: 'package t\np := "abc',
    err: /t\.rego:2: rego_parse_error: unterminated string/,
  },
  { name: 'bad escape', src: 'package t\np := "\\q"', err: /rego_parse_error: bad escape/ },
  { name: 'raw string spans lines', src: 'package t\np := `a\nb`\nq := 1', err: null },
  { name: 'two rules on one line', src: 'package t\np := 1 q := 2', err: /rules must start on a new line/ },
  {
    name: 'expressions need a separator',
    src: 'package t\np if { x := 1 y := 2 }',
    err: /expected ; or newline/,
  },
  {
    name: 'deep nesting is bounded',
    src: `package t\np := ${'['.repeat(600)}${']'.repeat(600)}`,
    err: /nested too deeply/,
  },
  {
    name: 'comprehensions and sets',
    src: 'package t\np := {x | some x in [1]}\nq := {1, 2} | {3}\nr := set()',
    err: null,
  },
  { name: 'multi-line operators in parens', src: 'package t\np := (1 +\n  2)', err: null },
  {
    name: 'with on following lines',
    src: 'package t\np if {\n  input.x\n    with input as {"x": 1}\n}',
    err: null,
  },
  { name: 'template strings', src: 'package t\np := $"a{1 + 1}b\\{c}"', err: null },
];

for (const c of PARSE) {
  test(`parse: ${c.name}`, () => {
    const e = new Engine({ v0Compatible: c.v0 === true });
    const run = (): void => {
      e.addPolicy('t.rego', c.src);
      e.compile();
    };
    if (c.err === null) run();
    else assert.throws(run, (err: unknown) => err instanceof PolicyError && c.err!.test(err.message));
  });
}

// Compile-time checks: source → error.
const COMPILE: readonly { name: string; src: string; err: RegExp }[] = [
  {
    name: 'unsafe head variable',
    src: 'package t\np := x if { true }',
    err: /rego_unsafe_var_error: var x is unsafe/,
  },
  { name: 'unsafe in negation', src: 'package t\np if { not q[x] }\nq contains 1', err: /var x is unsafe/ },
  {
    name: 'unknown function',
    src: 'package t\np := nope(1)',
    err: /rego_type_error: undefined function nope/,
  },
  { name: 'arity', src: 'package t\np := count(1, 2, 3)', err: /arity mismatch/ },
  {
    name: 'conflicting kinds',
    src: 'package t\np := 1\np contains 2',
    err: /rego_compile_error: conflicting rules data\.t\.p/,
  },
  { name: 'two defaults', src: 'package t\ndefault p := 1\ndefault p := 2', err: /multiple default rules/ },
  { name: 'reassignment', src: 'package t\np if { x := 1; x := 2 }', err: /var x assigned above/ },
  { name: 'use before :=', src: 'package t\np if { y > 1; y := 2 }', err: /var y referenced above/ },
  {
    name: 'recursion',
    src: 'package t\nf(x) := f(x)',
    err: /rego_recursion_error: rule data\.t\.f is recursive/,
  },
];

for (const c of COMPILE) {
  test(`compile: ${c.name}`, () => {
    const e = new Engine();
    e.addPolicy('t.rego', c.src);
    assert.throws(
      () => e.compile(),
      (err: unknown) => err instanceof PolicyError && c.err.test(err.message),
    );
  });
}

test('safety reordering runs expressions after what binds them', () => {
  const e = new Engine();
  e.addPolicy('t.rego', 'package t\np := y if { y > 1; y = x + 1; x = 5 }');
  assert.equal(e.evalQuery('data.t.p').rows[0]?.expressions[0]?.value, 6n);
});

test('errors carry the full span: the message says file:row as OPA does, location adds the column', () => {
  const e = new Engine();
  assert.throws(
    () => e.addPolicy('t.rego', 'package t\np := "abc'),
    (err: unknown) =>
      err instanceof PolicyError &&
      err.message.startsWith('t.rego:2: rego_parse_error:') &&
      err.location?.file === 't.rego' &&
      err.location.row === 2 &&
      err.location.col === 6,
  );
});
