import { runCases, type Want } from './builtin-cases.js';

// Each case: a Rego expression and the JSON of its value, or the error with strict builtin errors.

const CASES: readonly [string, Want][] = [
  ['base64.encode("hello")', '"aGVsbG8="'],
  ['base64.decode("aGVsbG8=")', '"hello"'],
  ['base64.decode("aGVsbG8")', { code: 'eval_builtin_error', msg: 'illegal base64 data at input byte 4' }],
  ['base64.decode("a$==")', { code: 'eval_builtin_error', msg: 'illegal base64 data at input byte 1' }],
  ["base64.is_valid(\"{'not':'base64'}\")", 'false'],
  ['base64.is_valid("aGVs\\nbG8=")', 'true'],
  ['base64url.encode("subjects?_d>>")', '"c3ViamVjdHM_X2Q-Pg=="'],
  ['base64url.encode_no_pad("subjects?_d>>")', '"c3ViamVjdHM_X2Q-Pg"'],
  ['base64url.decode("c3ViamVjdHM_X2Q-Pg")', '"subjects?_d>>"'],
  ['base64url.decode("a")', { code: 'eval_builtin_error', msg: 'illegal base64url string: a' }],
  ['hex.encode("lorem")', '"6c6f72656d"'],
  ['hex.decode("6c6f72656d")', '"lorem"'],
  ['hex.decode("fghijkl")', { code: 'eval_builtin_error', msg: "invalid byte: U+0067 'g'" }],
  ['hex.decode("ααβ")', { code: 'eval_builtin_error', msg: "encoding/hex: invalid byte: U+00CE 'Î'" }],
  ['hex.decode("abc")', { code: 'eval_builtin_error', msg: 'odd length hex string' }],
  ['urlquery.encode("a b&c=d/é~_.-")', '"a+b%26c%3Dd%2F%C3%A9~_.-"'],
  ['urlquery.decode("a+b%26c")', '"a b&c"'],
  ['urlquery.decode("%zz")', { code: 'eval_builtin_error', msg: 'invalid URL escape "%zz"' }],
  ['urlquery.encode_object({"b": ["x+1", "y"], "a": {"z"}})', '"a=z&b=x%2B1&b=y"'],
  [
    'urlquery.encode_object({"a": 1})',
    { code: 'eval_type_error', msg: 'operand 1 values must be string, array[string], or set[string]' },
  ],
  ['urlquery.decode_object("a=1&b&a=2")', '{"a":["1","2"],"b":[""]}'],
  [
    'json.marshal({"b": [1, 2.5], "a": "<&>", "s": {3, 1}})',
    '"{\\"a\\":\\"\\\\u003c\\\\u0026\\\\u003e\\",\\"b\\":[1,2.5],\\"s\\":[1,3]}"',
  ],
  ['json.unmarshal(`{"n": 18446744073709551615, "f": 0.1}`)', '{"f":0.1,"n":18446744073709551615}'],
  ['json.unmarshal("{")', { code: 'eval_builtin_error', msg: 'json.unmarshal:' }],
  ['json.is_valid("[1, 2]")', 'true'],
  ['json.is_valid("[1, 2")', 'false'],
  ['yaml.unmarshal("a: yes\\nb: [1, 2]\\nc: 1.5")', '{"a":true,"b":[1,2],"c":1.5}'],
  ['yaml.unmarshal("[1,2,3")', { code: 'eval_builtin_error', msg: 'yaml: line 1: did not find' }],
  ['yaml.marshal({"foo": [1, 2], "b": {"x": "yes"}})', '"b:\\n  x: \\"yes\\"\\nfoo:\\n- 1\\n- 2\\n"'],
  ['yaml.unmarshal(yaml.marshal([{"foo": {1, 2}}]))', '[{"foo":[1,2]}]'],
  ['yaml.is_valid("a: [")', 'false'],
  ['yaml.is_valid(1)', 'false'],
];

runCases(CASES);
