import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compare,
  equal,
  formatNumber,
  num,
  ObjectV,
  parseJson,
  parseNumber,
  SetV,
  toJson,
  type Value,
} from '../index.js';

const n = (s: string): num.Num => parseNumber(s)!;

const ARITH: readonly [string, (a: num.Num, b: num.Num) => num.Num, string, string, string][] = [
  ['big add', num.add, '18446744073709551614', '1', '18446744073709551615'],
  ['decimal add', num.add, '0.1', '0.2', '0.3'],
  ['mixed', num.add, '1', '2.5', '3.5'],
  ['trailing zeros normalise', num.add, '10.00', '5', '15'],
  ['exact mul', num.mul, '2.5', '2', '5'],
  ['terminating div', num.div, '1', '4', '0.25'],
  ['non-terminating div', num.div, '1', '3', '0.3333333333333333'],
  ['exponent form', num.add, '1e30', '1', '1000000000000000000000000000001'],
  ['negative', num.sub, '-18446744073709551617', '1', '-18446744073709551618'],
];

for (const [name, f, a, b, want] of ARITH) {
  test(`numbers: ${name}`, () => assert.equal(formatNumber(f(n(a), n(b))), want));
}

test('numbers: rounding is half away from zero', () => {
  assert.equal(num.round(n('2.5')), 3n);
  assert.equal(num.round(n('-2.5')), -3n);
  assert.equal(num.floor(n('-1.5')), -2n);
  assert.equal(num.ceil(n('1.2')), 2n);
});

test('1 and 1.0 are equal and hash alike', () => {
  assert.ok(equal(n('1'), n('1.0')));
  assert.equal(SetV.from([n('1'), n('1.00')]).size, 1);
});

test("OPA's ordering: null < boolean < number < string < array < object < set", () => {
  const vals: Value[] = [SetV.from([]), new ObjectV(), [], 'a', n('1'), true, null];
  const sorted = [...vals].sort(compare).map(toJson);
  assert.deepEqual(sorted, ['null', 'true', '1', '"a"', '[]', '{}', '[]']);
  assert.ok(compare(n('1.5'), n('2')) < 0);
  assert.ok(compare([1n, 2n], [1n, 2n, 0n]) < 0);
  assert.ok(compare(parseJson('{"a":1}'), parseJson('{"a":2}')) < 0);
});

test('JSON keeps big integers exact, escapes and key order', () => {
  const v = parseJson('{"b":[18446744073709551614,1.50,"\\u00e9\\n"],"a":null}');
  assert.equal(toJson(v), '{"a":null,"b":[18446744073709551614,1.5,"é\\n"]}');
  assert.throws(() => parseJson('{"a":1} x'));
  assert.throws(() => parseJson('['.repeat(2000)));
});

test('objects and sets hash composite keys', () => {
  const o = ObjectV.from([[[1n, 'x'], 'a']]);
  assert.equal(o.get([1n, 'x']), 'a');
  const s = SetV.from([parseJson('{"k":[1]}'), parseJson('{"k":[1]}')]);
  assert.equal(s.size, 1);
  assert.equal(toJson(SetV.from(['b', 'a', 1n])), '[1,"a","b"]');
});
