import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Engine, PolicyError, parseJson, ValueError } from '../index.js';

// Hostile or malformed input must end in a PolicyError (or ValueError for JSON), never in another
// exception: the proxy denies on errors, so a crash would be a denial of service at best.

const FRAGMENTS = [
  'package p\n',
  'import rego.v1\n',
  'p if { ',
  'q := ',
  'x := [1, 2',
  '{"a": 1}',
  ' }',
  'some x in input.l',
  'every k, v in input.o { v > 1 }',
  ' not ',
  'f(x) := x + 1\n',
  '$"{x}"',
  ' with input as 1',
  '[y | y := input.l[_]]',
  '\n',
  '"unterminated',
  '`raw`',
  '# METADATA\n# title: t\n',
  '1e400',
  'data.p.q[_]',
  ' := ',
  ')(',
];

test('parsing and compiling arbitrary fragment soups only ever throws PolicyError', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }), (parts) => {
      const e = new Engine();
      try {
        e.addPolicy('fuzz.rego', `package p\n${parts.join('')}`);
        e.compile();
        e.evalQuery('data.p');
      } catch (err) {
        assert.ok(err instanceof PolicyError, `unexpected ${String(err)}`);
      }
    }),
    { numRuns: 300 },
  );
});

test('random text never escapes as a non-policy error', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const e = new Engine({ v0Compatible: true });
      try {
        e.addPolicy('fuzz.rego', s);
        e.compile();
      } catch (err) {
        assert.ok(err instanceof PolicyError, `unexpected ${String(err)}`);
      }
    }),
    { numRuns: 300 },
  );
});

test('JSON input is parsed exactly or rejected with ValueError', () => {
  fc.assert(
    fc.property(fc.json(), (text) => {
      const v = parseJson(text);
      assert.ok(v !== undefined);
    }),
    { numRuns: 200 },
  );
  for (const bad of ['{', '[1,]', '{"a" 1}', 'tru', '"\\x"', '01']) {
    assert.throws(() => parseJson(bad), ValueError);
  }
});

test('any input document evaluates against a real policy without escaping errors', () => {
  const e = new Engine();
  e.addPolicy(
    'p.rego',
    'package p\nimport rego.v1\nallow if { input.user == "alice"; count(input.roles) > 0 }\nnames contains n if { some r in input.roles; n := concat("-", [r, input.user]) }\n',
  );
  fc.assert(
    fc.property(fc.jsonValue(), (doc) => {
      e.setInputJson(JSON.stringify(doc));
      try {
        e.evalQuery('x := [data.p.allow, data.p.names]');
      } catch (err) {
        assert.ok(err instanceof PolicyError, `unexpected ${String(err)}`);
      }
    }),
    { numRuns: 200 },
  );
});
