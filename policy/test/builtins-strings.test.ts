import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, PolicyError, toJson } from '../index.js';

// Each case: a Rego expression and the JSON of its value (undefined: no result), or the error
// (code and message substring) it raises with strict builtin errors. Expected texts for sprintf,
// replace_n and trim_space were produced by Go 1.19 (fmt.Sprintf, strings.NewReplacer, TrimSpace).
type Want = string | undefined | { code: string; msg: string };

const CASES: readonly [string, Want][] = [
  ['sprintf("hi %v", [["there", 5, 3.14]])', '"hi [\\"there\\", 5, 3.14]"'],
  ['sprintf("%v|%v", [{"a": {1, 2}}, set()])', '"{\\"a\\": {1, 2}}|set()"'],
  [
    'sprintf("%5.1f%%|%-6s|%06.2f|%x|%X|%o|%b|%e|%g|%8.3g|%+d|% d", [99.95, "ab", -3.14159, 255, "hi", 8, 5, 1234.5678, 0.00001234, 1234567.5, 5, 7])',
    '"100.0%|ab    |-03.14|ff|6869|10|101|1.234568e+03|1.234e-05|1.23e+06|+5| 7"',
  ],
  // OPA hands Go the text of non-number, non-string operands, so %t of a boolean is a bad verb.
  [
    'sprintf("%.3f %d %s %t", [2 / 3, 9223372036854775807, "x", true])',
    '"0.667 9223372036854775807 x %!t(string=true)"',
  ],
  ['sprintf("%g", [1234567])', '"%!g(int=1234567)"'],
  ['sprintf("%d %s", ["a", 1])', '"%!d(string=a) %!s(int=1)"'],
  ['sprintf("%s", [123456789123456789123])', '"123456789123456789123"'],
  ['sprintf("%d %d", [1])', '"1 %!d(MISSING)"'],
  ['sprintf("%d", [1, "a"])', '"1%!(EXTRA string=a)"'],
  ['sprintf("%q", ["a\\"b\\n"])', '"\\"a\\\\\\"b\\\\n\\""'],
  ['sprintf("x", 1)', { code: 'eval_type_error', msg: 'sprintf: operand 2 must be array but got number' }],
  ['format_int(255, 16)', '"ff"'],
  ['format_int(-5.9, 2)', '"-101"'],
  [
    'format_int(5, 3)',
    { code: 'eval_type_error', msg: 'format_int: operand 2 must be one of {2, 8, 10, 16}' },
  ],
  ['concat("/", ["a", "b"])', '"a/b"'],
  ['concat("/", {"b", "a"})', '"a/b"'],
  [
    'concat("/", ["a", 1])',
    { code: 'eval_type_error', msg: 'operand 2 must be array of strings but got array containing number' },
  ],
  ['indexof("héllo", "l")', '2'],
  ['indexof("abc", "")', { code: 'eval_builtin_error', msg: 'indexof: empty search character' }],
  ['indexof_n("aXbXc", "X")', '[1,3]'],
  ['substring("héllo", 1, 3)', '"éll"'],
  ['substring("abc", 1, -1)', '"bc"'],
  ['substring("abc", -1, 1)', { code: 'eval_builtin_error', msg: 'substring: negative offset' }],
  [
    'substring("abc", 1.5, 1)',
    { code: 'eval_type_error', msg: 'operand 2 must be integer number but got floating-point number' },
  ],
  ['strings.count("cheese", "e")', '3'],
  ['strings.count("five", "")', '5'],
  ['split("a.b.c", ".")', '["a","b","c"]'],
  ['split("abc", "")', '["a","b","c"]'],
  ['replace("aaa", "a", "bb")', '"bbbbbb"'],
  ['strings.replace_n({"a": "1", "aa": "2", "b": "3"}, "aaab")', '"1113"'],
  [
    'strings.replace_n({"a": 1}, "a")',
    { code: 'eval_type_error', msg: 'operand 1 non-string value found in pattern object' },
  ],
  ['trim("xxaxx", "x")', '"a"'],
  ['trim_left("xxaxx", "x")', '"axx"'],
  ['trim_right("xxaxx", "x")', '"xxa"'],
  ['trim_prefix("prefix-x", "prefix-")', '"x"'],
  ['trim_suffix("x.txt", ".txt")', '"x"'],
  ['trim_space("\\u00a0 x \\ufeff")', '"x \ufeff"'],
  ['upper("straße")', '"STRAßE"'],
  ['lower("ÀB")', '"àb"'],
  ['strings.reverse("héllo")', '"olléh"'],
  ['strings.any_prefix_match(["a/b", "c/d"], "c/")', 'true'],
  ['strings.any_suffix_match({"a/b"}, ["x", "b"])', 'true'],
  [
    'strings.any_prefix_match(1, "c/")',
    { code: 'eval_type_error', msg: 'operand 1 must be one of {string, set, array} but got number' },
  ],
  ['contains("abc", "b")', 'true'],
  ['startswith("abc", "ab")', 'true'],
  ['endswith("abc", "bc")', 'true'],
  [
    'strings.render_template("{{range $i, $n := .names}}{{if $i}},{{end}}hi {{$n}}{{end}}", {"names": ["a", "b"]})',
    '"hi a,hi b"',
  ],
  ['strings.render_template("{{.x}} {{.missing}}", {"x": 2023})', '"2023 <undefined>"'],
  [
    'strings.render_template("{{.x", {})',
    { code: 'eval_builtin_error', msg: 'strings.render_template: template:' },
  ],
];

/** Evaluates every case on one engine; exported shape shared by the family test files. */
function run(cases: readonly [string, Want][]): void {
  const engine = new Engine();
  for (const [expr, want] of cases) {
    test(expr, () => {
      if (typeof want === 'object') {
        assert.throws(
          () => engine.evalQuery(`x := ${expr}`, { strictBuiltinErrors: true }),
          (e: unknown) => e instanceof PolicyError && e.code === want.code && e.message.includes(want.msg),
        );
        return;
      }
      const rows = engine.evalQuery(`x := ${expr}`).rows;
      const got = rows[0]?.bindings.get('x');
      assert.equal(got === undefined ? undefined : toJson(got), want);
    });
  }
}

run(CASES);
