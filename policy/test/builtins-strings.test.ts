import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SPLIT_MEMO_MAX_CHARS, SPLIT_MEMO_SIZE } from '../builtins/strings.js';
import { Engine, PolicyError } from '../index.js';
import { runCases, type Want } from './builtin-cases.js';

// Each case: a Rego expression and the JSON of its value (undefined: no result), or the error
// (code and message substring) it raises with strict builtin errors. Expected texts for sprintf,

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
  ['lower("ǅungla İ")', '"ǆungla i"'],
  ['upper("ﬃ ǆ")', '"ﬃ Ǆ"'],
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

// Format, Rego operand array, and Go 1.19's fmt.Sprintf output for the operands OPA would pass
// (int for integers, float64 for other numbers, string): a sample of a 742-case corpus.
const GO_SPRINTF: readonly [string, string, string][] = [
  ['%.3f', '[123456.789]', '123456.789'],
  ['%#o', '[0]', '0'],
  ['%g', '["a\\tb\\"c"]', '%!g(string=a\tb"c)'],
  ['%*d', '[3, 0.125]', '%!d(float64=0.125)'],
  ['%-5d|', '[2.5]', '%!d(float64=2.5  )|'],
  ['%+d', '[-9223372036854775808]', '-9223372036854775808'],
  ['%+q', '[-7]', "'\\ufffd'"],
  ['% d', '["a\\tb\\"c"]', '%!d(string=a\tb"c)'],
  ['%08.2f', '["héllo"]', '%!f(string=000000hé)'],
  ['%T', '[0.125]', 'float64'],
  ['%05d', '[9007199254740993]', '9007199254740993'],
  ['%#x', '[42]', '0x2a'],
  ['%q', '[123456.789]', '%!q(float64=123456.789)'],
  ['%5d', '["héllo"]', '%!d(string=héllo)'],
  ['% d', '[-9223372036854775808]', '-9223372036854775808'],
  ['%s', '["héllo"]', 'héllo'],
  ['%G', '[0.125]', '0.125'],
  ['%+d', '[42]', '+42'],
  ['%#U', '[0.125]', '%!U(float64=0.125000)'],
  ['% d', '[0.125]', '%!d(float64= 0.125)'],
  ['%#q', '[-9223372036854775808]', "'�'"],
  ['%s', '[0]', '%!s(int=0)'],
  ['%05d', '[-9223372036854775808]', '-9223372036854775808'],
  ['%t', '[3.14159]', '%!t(float64=3.14159)'],
  ['%#x', '[0]', '0x0'],
  ['%U', '[-9223372036854775808]', 'U+8000000000000000'],
  ['%[2]v %[1]v', '[42, "x"]', 'x 42'],
  ['%z', '["a\\tb\\"c"]', '%!z(string=a\tb"c)'],
  ['%d%%', '[-9223372036854775808]', '-9223372036854775808%'],
  ['%05d', '[2.5]', '%!d(float64=002.5)'],
  ['%T', '[-7]', 'int'],
  ['%T', '[""]', 'string'],
  ['%.3g', '[0]', '%!g(int=000)'],
  ['%-5d|', '[0.125]', '%!d(float64=0.125)|'],
  ['%U', '[-7]', 'U+FFFFFFFFFFFFFFF9'],
  ['%-5d|', '[3.14159]', '%!d(float64=3.14159)|'],
  ['%#q', '["héllo"]', '`héllo`'],
  ['%#x', '["héllo"]', '0x68c3a96c6c6f'],
  ['%f', '[-7]', '%!f(int=-7)'],
  ['%G', '[123456.789]', '123456.789'],
  ['%o', '[2.5]', '%!o(float64=2.5)'],
  ['%+q', '[2.5]', '%!q(float64=+2.5)'],
  ['%X', '[0.125]', '0X1P-03'],
  ['%t', '["héllo"]', '%!t(string=héllo)'],
  ['%.0f', '[2.5]', '2'],
  ['%#q', '["😀"]', '`😀`'],
  ['%b', '[9007199254740993]', '100000000000000000000000000000000000000000000000000001'],
  ['%x', '[2.5]', '0x1.4p+01'],
  ['%T', '[2.5]', 'float64'],
  ['%3c|', '["a\\tb\\"c"]', '%!c(string=a\tb"c)|'],
  ['%[2]v %[1]v', '["héllo", "x"]', 'x héllo'],
  ['%b', '["héllo"]', '%!b(string=héllo)'],
  ['%+.1f', '[9007199254740993]', '%!f(int=+9007199254740993)'],
  ['%x', '[42]', '2a'],
  ['%#q', '[0]', "'\\x00'"],
  ['%05d', '[0.125]', '%!d(float64=0.125)'],
  ['%t', '[9007199254740993]', '%!t(int=9007199254740993)'],
  ['%05d', '[3.14159]', '%!d(float64=3.14159)'],
  ['%z', '[9007199254740993]', '%!z(int=9007199254740993)'],
  ['%q', '[0]', "'\\x00'"],
  ['% x', '[-9223372036854775808]', '-8000000000000000'],
  ['%q', '["a\\tb\\"c"]', '"a\\tb\\"c\\x7f"'],
  ['%s', '[9007199254740993]', '%!s(int=9007199254740993)'],
  ['%.0f', '["😀"]', '%!f(string=)'],
  ['%.2s', '[0]', '%!s(int=00)'],
  ['%-3c|', '["héllo"]', '%!c(string=héllo)|'],
  ['%-10s|', '[-7]', '%!s(int=-7        )|'],
  ['%08.2f', '[-1.2345e-05]', '-0000.00'],
  ['%f', '["a\\tb\\"c"]', '%!f(string=a\tb"c)'],
  ['%e', '[-7]', '%!e(int=-7)'],
  ['%b', '[-7]', '-111'],
  ['%#U', '[""]', '%!U(string=)'],
  ['%+d', '["😀"]', '%!d(string=😀)'],
  ['%T', '[0]', 'int'],
  ['%f', '["😀"]', '%!f(string=😀)'],
  ['%q', '[3.14159]', '%!q(float64=3.14159)'],
  ['% x', '[-7]', '-7'],
  ['%-8.2f|', '[42]', '%!f(int=42      )|'],
  ['%10s', '[""]', '          '],
  ['%f', '[0]', '%!f(int=0)'],
  ['%!', '[2.5]', '%!!(float64=2.5)'],
  ['%d%%', '[0.125]', '%!d(float64=0.125)%'],
  ['%3c|', '["😀"]', '%!c(string=  😀)|'],
  ['%#x', '[-1.2345e-05]', '-0x1.9e3abe16fc70dp-17'],
  ['%v %v', '["", "x"]', ' x'],
  ['%O', '[0]', '0o0'],
  ['%-8.2f|', '[0]', '%!f(int=00      )|'],
  ['%#o', '[42]', '052'],
  ['%x', '["héllo"]', '68c3a96c6c6f'],
  ['%G', '[""]', '%!G(string=)'],
  ['%5d', '["a\\tb\\"c"]', '%!d(string=a\tb"c)'],
  ['%+d', '[123456.789]', '%!d(float64=+123456.789)'],
  ['%#q', '[""]', '``'],
  ['%t', '["a\\tb\\"c"]', '%!t(string=a\tb"c)'],
  ['%.*f', '[3, -1.2345e-05]', '-0.000'],
  ['%8.2f', '["a\\tb\\"c"]', '%!f(string=      a\t)'],
  ['%-8.2f|', '[0.125]', '0.12    |'],
  ['%%', '[-1.2345e-05]', '%%!(EXTRA float64=-1.2345e-05)'],
  ['%.*f', '[3, 123456.789]', '123456.789'],
  ['%T', '[3.14159]', 'float64'],
  ['%-10s|', '[3.14159]', '%!s(float64=3.14159   )|'],
  ['%+d', '[0]', '+0'],
  ['% d', '[""]', '%!d(string=)'],
  ['%E', '["héllo"]', '%!E(string=héllo)'],
  ['%.2s', '[123456.789]', '%!s(float64=1.2e+05)'],
  ['%05d', '["héllo"]', '%!d(string=héllo)'],
  ['%05d', '[-1.2345e-05]', '%!d(float64=-1.2345e-05)'],
  ['%.0f', '[123456.789]', '123457'],
  ['%T', '[9007199254740993]', 'int'],
  ['%10s', '[0.125]', '%!s(float64=     0.125)'],
  ['%.2e', '[""]', '%!e(string=)'],
  ['%g', '[9007199254740993]', '%!g(int=9007199254740993)'],
  ['%-8.2f|', '[3.14159]', '3.14    |'],
  ['%d', '[123456.789]', '%!d(float64=123456.789)'],
  ['%-10s|', '["héllo"]', 'héllo     |'],
  ['%-8.2f|', '["😀"]', '%!f(string=😀       )|'],
  ['%O', '[-9223372036854775808]', '-0o1000000000000000000000'],
  ['%X', '[2.5]', '0X1.4P+01'],
  ['% x', '[42]', ' 2a'],
  ['%v %v', '[3.14159, "x"]', '3.14159 x'],
  ['%q', '["😀"]', '"😀"'],
  ['%*d', '[3, -9223372036854775808]', '-9223372036854775808'],
  ['%#x', '[-1.2345e-05]', '-0x1.9e3abe16fc70dp-17'],
  ['%e', '[42]', '%!e(int=42)'],
  ['%.3g', '[42]', '%!g(int=042)'],
  ['%g', '[0.125]', '0.125'],
  ['%z', '["😀"]', '%!z(string=😀)'],
  ['%+d', '["a\\tb\\"c"]', '%!d(string=a\tb"c)'],
  ['%O', '[-7]', '-0o7'],
  ['%*d', '[3, 3.14159]', '%!d(float64=3.14159)'],
  ['%.3g', '[3.14159]', '3.14'],
  ['%#q', '[-7]', "'�'"],
  ['%.2e', '[-9223372036854775808]', '%!e(int=-9223372036854775808)'],
  ['%o', '[0]', '0'],
  ['%s', '[-1.2345e-05]', '%!s(float64=-1.2345e-05)'],
  ['%#q', '[9007199254740993]', "'�'"],
  ['%.2e', '[3.14159]', '3.14e+00'],
  ['%G', '[3.14159]', '3.14159'],
  ['%08.2f', '[9007199254740993]', '%!f(int=9007199254740993)'],
  ['%+.1f', '[""]', '%!f(string=)'],
  ['%U', '["a\\tb\\"c"]', '%!U(string=a\tb"c)'],
  ['%d%%', '["a\\tb\\"c"]', '%!d(string=a\tb"c)%'],
  ['% d', '[0]', ' 0'],
  ['%O', '["a\\tb\\"c"]', '%!O(string=a\tb"c)'],
  ['%T', '["a\\tb\\"c"]', 'string'],
  ['%U', '["😀"]', '%!U(string=😀)'],
  ['%#U', '[0]', 'U+0000'],
  ['%v', '["a\\tb\\"c"]', 'a\tb"c'],
  ['%x', '[-1.2345e-05]', '-0x1.9e3abe16fc70dp-17'],
  ['%b', '[-9223372036854775808]', '-1000000000000000000000000000000000000000000000000000000000000000'],
  ['%E', '[9007199254740993]', '%!E(int=9007199254740993)'],
  ['%.2e', '[0.125]', '1.25e-01'],
  ['%v', '[-9223372036854775808]', '-9223372036854775808'],
  ['%o', '[123456.789]', '%!o(float64=123456.789)'],
  ['%-3c|', '[-7]', '�  |'],
  ['%+q', '[42]', "'*'"],
  ['%+.1f', '[0]', '%!f(int=+0)'],
  ['%v %v', '[-9223372036854775808, "x"]', '-9223372036854775808 x'],
  ['%.3f', '[-9223372036854775808]', '%!f(int=-9223372036854775808)'],
  ['%#x', '[-7]', '-0x7'],
];

test('sprintf agrees with Go fmt on a corpus', () => {
  const engine = new Engine();
  for (const [format, args, want] of GO_SPRINTF) {
    engine.setInputJs({ format });
    const got = engine.evalQuery(`x := sprintf(input.format, ${args})`).rows[0]?.bindings.get('x');
    assert.equal(got, want, `${format} ${args}`);
  }
});

test('output-heavy string builtins stay within bounds', () => {
  const engine = new Engine({ limits: { maxSteps: 100_000 } });
  // 100,000 insertions of 1,000 characters: more than the 64 MiB a string builtin may build.
  assert.throws(
    () =>
      engine.evalQuery(
        'x := replace(strings.reverse(sprintf("%100000s", [""])), "", sprintf("%1000s", [""]))',
        {
          strictBuiltinErrors: true,
        },
      ),
    (e: unknown) => e instanceof PolicyError && e.message.includes('replace: result exceeds'),
  );
  // Nested ranges multiply; each executed template node is charged to the step budget.
  const tpl = `${'{{range $.a}}'.repeat(8)}x${'{{end}}'.repeat(8)}`;
  assert.throws(
    () =>
      engine.evalQuery(`x := strings.render_template(\`${tpl}\`, {"a": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]})`),
    (e: unknown) => e instanceof PolicyError && e.code === 'eval_limit_error',
  );
});

runCases(CASES);

test('split remembers results across evaluations and still answers as String.split does, past its bounds too', () => {
  const engine = new Engine();
  const splitOf = (s: string, d: string): unknown => {
    engine.setInputJs({ s, d });
    return engine.evalQuery('x := split(input.s, input.d)').rows[0]?.bindings.get('x');
  };
  const long = `${'a=b;'.repeat(SPLIT_MEMO_MAX_CHARS)}`;
  // More distinct subjects than the memo holds, each split twice; the second answer is the first.
  for (let i = 0; i < SPLIT_MEMO_SIZE + 10; i += 97) {
    const s = `K${i}=v=${i}`;
    const first = splitOf(s, '=');
    assert.deepEqual(first, s.split('='));
    assert.equal(splitOf(s, '='), first, 'the remembered array is returned');
    assert.ok(Object.isFrozen(first), 'a shared result cannot be written');
    assert.deepEqual(splitOf(s, ''), [...s]);
  }
  for (let i = 0; i < SPLIT_MEMO_SIZE + 1; i++) splitOf(`fill${i}`, '=');
  assert.deepEqual(splitOf('PATH=/bin', '='), ['PATH', '/bin']);
  assert.equal((splitOf(long, ';') as unknown[]).length, SPLIT_MEMO_MAX_CHARS + 1);
  assert.notEqual(splitOf(long, ';'), splitOf(long, ';'), 'subjects past the bound are not remembered');
});
