import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine, PolicyError, toJson } from '../index.js';
import { runCases, type Want } from './builtin-cases.js';

// Each case: a Rego expression and the JSON of its value (undefined: no result), or the error it

const CASES: readonly [string, Want][] = [
  ['regex.match(`^[a-z]+\\d$`, "abc1")', 'true'],
  ['regex.match("(?i)ABC", "xabcx")', 'true'],
  ['regex.match("(?i:a)B", "Ab")', 'false'],
  ['regex.match("(?s)a.b", "a\\nb")', 'true'],
  ['regex.match("a.b", "a\\nb")', 'false'],
  ['regex.match("(?m)^b$", "a\\nb\\nc")', 'true'],
  ['regex.match("^b$", "a\\nb")', 'false'],
  ['regex.match(`\\Aab\\z`, "ab")', 'true'],
  ['regex.match("[[:alpha:]]+[[:^digit:]]", "ab!")', 'true'],
  ['regex.match(`\\pL\\p{Greek}`, "aλ")', 'true'],
  ['regex.match(`\\Qa.b\\E`, "axb")', 'false'],
  ['regex.match(`\\s`, "\\u000b")', 'false'],
  ['regex.match(`(a)\\1`, "aa")', { code: 'eval_builtin_error', msg: 'invalid escape sequence: `\\1`' }],
  [
    'regex.match("a(?=b)", "ab")',
    { code: 'eval_builtin_error', msg: 'invalid or unsupported Perl syntax: `(?=`' },
  ],
  ['regex.match("a**", "a")', { code: 'eval_builtin_error', msg: 'invalid nested repetition operator' }],
  ['regex.match("[", "a")', { code: 'eval_builtin_error', msg: 'missing closing ]: `[`' }],
  ['regex.is_valid("a{1001}")', 'false'],
  ['regex.is_valid("(?P<n>x)")', 'true'],
  ['regex.is_valid(1)', 'false'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${name} expansion syntax
  ['regex.replace("xABBbyab", "(?i)a(?P<n>b+)", "[${n}]")', '"x[BBb]y[b]"'],
  ['regex.replace("baaac", "a*", "-")', '"-b-c-"'],
  ['regex.replace("foo", "(foo)", "$1$1")', '"foofoo"'],
  ['regex.replace("foo", "^[a-z]", "F")', '"Foo"'],
  ['regex.split(`\\s+`, " a  b c ")', '["","a","b","c",""]'],
  ['regex.find_n(`[[:upper:]]\\d`, "A1 b2 C3 D", -1)', '["A1","C3"]'],
  ['regex.find_n("a.", "aXaYaZ", 2)', '["aX","aY"]'],
  ['regex.find_all_string_submatch_n(`([a-z]+)=(\\d+)?`, "a=1 b=", -1)', '[["a=1","a","1"],["b=","b",""]]'],
  ['regex.template_match("urn:foo:{.*}", "urn:foo:bar:baz", "{", "}")', 'true'],
  ['regex.template_match("urn:foo:<[0-9]+>", "urn:foo:x", "<", ">")', 'false'],
  ['regex.template_match("a{", "a", "{", "}")', { code: 'eval_builtin_error', msg: 'unbalanced braces' }],
  ['regex.globs_match("a.a.[0-9]+z", ".b.b2359825792*594823z")', 'true'],
  ['regex.globs_match("[a-z]+", "[0-9]*")', 'false'],
  ['re_match("^x", "xy")', 'true'],
];

// Pattern, subject and Go 1.19's regexp.FindAllString result (generated once with Go; a sample of
// a 1,449-case corpus that this translation matched exactly).
const GO_CORPUS: readonly [string, string, string[]][] = [
  ['^[a-z0-9-]+$', 'hello world', []],
  ['^[a-z0-9-]+$', 'aaa', ['aaa']],
  ['a-b', 'hello world', []],
  ['a-b', 'a-b', ['a-b']],
  ['[a\\-z]+', 'hello world', []],
  ['[a\\-z]+', 'abc-def_123', ['a', '-']],
  ['[-a]', 'hello world', []],
  ['[-a]', 'abc-def_123', ['a', '-']],
  ['[a-]', 'hello world', []],
  ['[a-]', 'abc-def_123', ['a', '-']],
  ['\\d+\\.\\d+', 'hello world', []],
  ['\\d+\\.\\d+', 'registry.k8s.io/pause:3.9', ['3.9']],
  ['(?i)hello', 'hello world', ['hello']],
  ['(?i)hello', 'HeLLo', ['HeLLo']],
  ['(?i)héllo', 'hello world', []],
  ['(?i)héllo', 'HÉLLO héllo', ['HÉLLO', 'héllo']],
  ['H(?i)ello', 'hello world', []],
  ['H(?i)ello', 'HeLLo', ['HeLLo']],
  ['(?i:E)x', 'hello world', []],
  ['x(?-i)Y', 'hello world', []],
  ['(?i)a(?-i)b', 'hello world', []],
  ['(?i)a(?-i)b', 'abc-def_123', ['ab']],
  ['^\\s+|\\s+$', 'hello world', []],
  ['^\\s+|\\s+$', '  pad  ', ['  ', '  ']],
  ['\\S+', 'hello world', ['hello', 'world']],
  ['\\S+', 'HeLLo', ['HeLLo']],
  ['\\w+', 'hello world', ['hello', 'world']],
  ['\\w+', 'HeLLo', ['HeLLo']],
  ['\\W+', 'hello world', [' ']],
  ['\\W+', 'HÉLLO héllo', ['É', ' ', 'é']],
  ['\\bfoo\\b', 'hello world', []],
  ['\\bfoo\\b', 'foo.bar$ fóo', ['foo']],
  ['\\Bo\\B', 'hello world', ['o']],
  ['\\Bo\\B', 'foo.bar$ fóo', ['o']],
  ['[^\\n]+', 'hello world', ['hello world']],
  ['[^\\n]+', 'HeLLo', ['HeLLo']],
  ['(?s).+', 'hello world', ['hello world']],
  ['(?s).+', 'HeLLo', ['HeLLo']],
  ['.+', 'hello world', ['hello world']],
  ['.+', 'HeLLo', ['HeLLo']],
  ['(?m)^\\w+$', 'hello world', []],
  ['(?m)^\\w+$', 'HeLLo', ['HeLLo']],
  ['(?U)a+', 'hello world', []],
  ['(?U)a+', 'abc-def_123', ['a']],
  ['(?U)a+?', 'hello world', []],
  ['(?U)a+?', 'abc-def_123', ['a']],
  ['a{2,3}', 'hello world', []],
  ['a{2,3}', 'aaa', ['aaa']],
  ['a{2,}', 'hello world', []],
  ['a{2,}', 'aaa', ['aaa']],
  ['a{,2}', 'hello world', []],
  ['x{', 'hello world', []],
  ['x{', 'x{', ['x{']],
  ['a|b|', 'hello world', ['', '', '', '', '', '', '', '', '', '', '', '']],
  ['a|b|', 'HeLLo', ['', '', '', '', '', '']],
  ['()', 'hello world', ['', '', '', '', '', '', '', '', '', '', '', '']],
  ['()', 'HeLLo', ['', '', '', '', '', '']],
  ['(a|ab)(c|bcd)(d*)', 'hello world', []],
  ['(a|ab)(c|bcd)(d*)', 'abc-def_123', ['abc']],
  ['[[:alpha:]]+', 'hello world', ['hello', 'world']],
  ['[[:alpha:]]+', 'HeLLo', ['HeLLo']],
  ['[[:^alpha:]]+', 'hello world', [' ']],
  ['[[:^alpha:]]+', 'HÉLLO héllo', ['É', ' ', 'é']],
  ['[[:space:][:digit:]]+', 'hello world', [' ']],
  ['[[:space:][:digit:]]+', 'HÉLLO héllo', [' ']],
  ['[^[:alnum:]]', 'hello world', [' ']],
  ['[^[:alnum:]]', 'HÉLLO héllo', ['É', ' ', 'é']],
  ['\\pL+', 'hello world', ['hello', 'world']],
  ['\\pL+', 'HeLLo', ['HeLLo']],
  ['\\PL+', 'hello world', [' ']],
  ['\\PL+', 'HÉLLO héllo', [' ']],
  ['\\p{Lu}', 'hello world', []],
  ['\\p{Lu}', 'HeLLo', ['H', 'L', 'L']],
  ['\\p{Greek}+', 'hello world', []],
  ['\\p{Greek}+', 'ΑΒΓ abc', ['ΑΒΓ']],
  ['[\\p{Greek}\\d]+', 'hello world', []],
  ['[\\p{Greek}\\d]+', 'abc-def_123', ['123']],
  ['\\x41\\x{263a}', 'hello world', []],
  ['\\x41\\x{263a}', 'A☺A', ['A☺']],
  ['\\101', 'hello world', []],
  ['\\101', 'A☺A', ['A', 'A']],
  ['[\\x00-\\x1f]', 'hello world', []],
  ['[\\x00-\\x1f]', 'a\nb\nc', ['\n', '\n']],
  ['\\Q*+?\\E', 'hello world', []],
  ['\\Q*+?\\E', '*+?', ['*+?']],
  ['\\.', 'hello world', []],
  ['\\.', 'foo.bar$ fóo', ['.']],
  ['\\$', 'hello world', []],
  ['\\$', 'foo.bar$ fóo', ['$']],
  ['^$', 'hello world', []],
  ['^$', '', ['']],
  ['$', 'hello world', ['']],
  ['$', 'HeLLo', ['']],
  ['^', 'hello world', ['']],
  ['^', 'HeLLo', ['']],
  ['\\A\\w', 'hello world', ['h']],
  ['\\A\\w', 'HeLLo', ['H']],
  ['\\w\\z', 'hello world', ['d']],
  ['\\w\\z', 'HeLLo', ['o']],
  ['(?P<year>\\d{4})-(?P<m>\\d{2})', 'hello world', []],
  ['(?P<year>\\d{4})-(?P<m>\\d{2})', '2023-11 year', ['2023-11']],
  ['[]a]', 'hello world', []],
  ['[]a]', 'abc-def_123', ['a']],
  ['[^]a]', 'hello world', ['h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd']],
  ['[^]a]', 'HeLLo', ['H', 'e', 'L', 'L', 'o']],
  ['[a-c-e]', 'hello world', ['e']],
  ['[a-c-e]', 'HeLLo', ['e']],
  ['é+', 'hello world', []],
  ['é+', 'HÉLLO héllo', ['é']],
  ['.', 'hello world', ['h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd']],
  ['.', 'HeLLo', ['H', 'e', 'L', 'L', 'o']],
  ['[😀-😂]', 'hello world', []],
  ['[😀-😂]', '😀😁x', ['😀', '😁']],
  ['😀+', 'hello world', []],
  ['😀+', '😀😁x', ['😀']],
  ['(?i)[a-c]+', 'hello world', []],
  ['(?i)[a-c]+', 'abc-def_123', ['abc']],
  ['(?i)[^a-c]+', 'hello world', ['hello world']],
  ['(?i)[^a-c]+', 'HeLLo', ['HeLLo']],
  ['^(registry\\.k8s\\.io|quay\\.io)/[a-z]+(:[\\w][\\w.-]{0,127})?$', 'hello world', []],
  [
    '^(registry\\.k8s\\.io|quay\\.io)/[a-z]+(:[\\w][\\w.-]{0,127})?$',
    'registry.k8s.io/pause:3.9',
    ['registry.k8s.io/pause:3.9'],
  ],
  ['^/run/kata-containers/shared/containers/[a-z0-9]{64}-[a-z0-9]{16}-resolv.conf$', 'hello world', []],
  [
    '^/run/kata-containers/shared/containers/[a-z0-9]{64}-[a-z0-9]{16}-resolv.conf$',
    '/run/kata-containers/shared/containers/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef-0123456789abcdef-resolv.conf',
    [
      '/run/kata-containers/shared/containers/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef-0123456789abcdef-resolv.conf',
    ],
  ],
];

test('RE2 translation agrees with Go regexp on a corpus', () => {
  const engine = new Engine();
  for (const [p, s, want] of GO_CORPUS) {
    engine.setInputJs({ p, s });
    const got = engine
      .evalQuery('x := regex.find_n(input.p, input.s, -1)', { strictBuiltinErrors: true })
      .rows[0]?.bindings.get('x');
    assert.equal(
      got === undefined ? undefined : toJson(got),
      JSON.stringify(want),
      `${p} on ${JSON.stringify(s)}`,
    );
  }
});

test('catastrophic backtracking aborts the evaluation instead of hanging (RE2 is linear)', () => {
  const engine = new Engine();
  engine.setInputJs({ s: `${'a'.repeat(48)}!` });
  for (const p of ['(a+)+$', '(a|aa)*$', '((a*)*)*b']) {
    assert.throws(
      () => engine.evalQuery(`x := regex.match(\`${p}\`, input.s)`),
      (e: unknown) => e instanceof PolicyError && e.code === 'eval_limit_error',
      p,
    );
  }
  // The same shapes on short subjects still answer, through the guarded path.
  engine.setInputJs({ s: 'aaaa' });
  const rows = engine.evalQuery('x := regex.match(`(a+)+$`, input.s)').rows;
  assert.equal(rows[0]?.bindings.get('x'), true);
});

// Glob pairs from the glob-intersection library's own test vectors: which share a non-empty string.
const GLOB_PAIRS: readonly [string, string, boolean][] = [
  ['abcd', '[a-d]*', true],
  ['pqrs', 'pq.s', true],
  ['d*', '[abcd][abcd]', true],
  ['d*', 'd[a-z]+', true],
  ['[a-p]+', '[p-z]+', true],
  ['[a-p]+', 'abcdefgh*', true],
  ['abcd[a-c]z+', 'abcd[b-d][yz]*', true],
  ['.*\\\\', '.*', true],
  ['.a.a', 'b.b.', true],
  ['abcd', 'abcdla', false],
  ['[a-d]+', '[e-f]+', false],
  ['[0-9]*', '[a-z]', false],
  ['[0-9]*', '\\*', false],
  ['mamama.*', 'dadada.*', false],
  ['.*mamama', '.*nanana', false],
  ['.xyz.', '.*pqr.*', false],
];

test('regex.globs_match decides glob intersections', () => {
  const engine = new Engine();
  for (const [a, b, want] of GLOB_PAIRS) {
    engine.setInputJs({ a, b });
    const got = engine.evalQuery('x := regex.globs_match(input.a, input.b)').rows[0]?.bindings.get('x');
    assert.equal(got, want, `${a} ∩ ${b}`);
  }
});

runCases(CASES);
