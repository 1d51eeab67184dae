import { runCases, type Want } from './builtin-cases.js';

// Each case: a Rego expression and the JSON of its value (undefined: no result), or the error with

const CASES: readonly [string, Want][] = [
  ['json.filter({"a": {"b": 1, "c": 2}, "d": 3}, ["a/b", "d"])', '{"a":{"b":1},"d":3}'],
  ['json.filter({"a": [10, 20, 30]}, [["a", "1"]])', '{"a":[20]}'],
  [
    'json.filter({"a": 1}, 1)',
    { code: 'eval_type_error', msg: 'operand 2 must be one of {set, array} but got number' },
  ],
  ['json.remove({"a": {"b": 1, "c": 2}, "d": 3}, {"a/b"})', '{"a":{"c":2},"d":3}'],
  ['json.remove({"a": [1, 2, 3]}, ["/a/0"])', '{"a":[2,3]}'],
  ['json.remove({"a~b": 1, "c/d": 2}, ["a~0b", "c~1d"])', '{}'],
  [
    'json.remove(true, [])',
    { code: 'eval_type_error', msg: 'json.remove: operand 1 must be object but got boolean' },
  ],
  ['json.patch({"a": 1}, [{"op": "add", "path": "/b", "value": 2}])', '{"a":1,"b":2}'],
  ['json.patch([1, 2], [{"op": "add", "path": "/-", "value": 3}, {"op": "remove", "path": "/0"}])', '[2,3]'],
  ['json.patch({"a": {"b": 1}}, [{"op": "move", "from": "/a/b", "path": "/c"}])', '{"a":{},"c":1}'],
  ['json.patch({"a": 1}, [{"op": "copy", "from": "/a", "path": "/b"}])', '{"a":1,"b":1}'],
  ['json.patch({"a": 1}, [{"op": "replace", "path": "", "value": 5}])', '5'],
  ['json.patch({"a": 1}, [{"op": "test", "path": "/a", "value": 2}])', undefined],
  ['json.patch({"a": 1}, [{"op": "remove", "path": "/x"}])', undefined],
  ['json.patch([1], [{"op": "add", "path": "/01", "value": 2}])', undefined],
  [
    'json.patch({"foo": {"a", "b"}}, [{"op": "add", "path": "foo/c", "value": "c"}])',
    '{"foo":["a","b","c"]}',
  ],
  ['json.patch({"foo": {"a"}}, [{"op": "add", "path": "foo/c", "value": "d"}])', undefined],
  ['json.marshal_with_options({"a": [1]}, {"pretty": true})', '"{\\n\\t\\"a\\": [\\n\\t\\t1\\n\\t]\\n}"'],
  ['json.marshal_with_options({"a": 1}, {"prefix": "> ", "indent": "  "})', '"> {\\n>   \\"a\\": 1\\n> }"'],
  ['json.marshal_with_options({"a": 1}, {"indent": "  ", "pretty": false})', '"{\\"a\\":1}"'],
  [
    'json.marshal_with_options({}, {"bad": 1})',
    { code: 'eval_type_error', msg: 'operand 2 object contained unknown key bad' },
  ],
  ['json.verify_schema(`{"type": "boolean"}`)', '[true,null]'],
  [
    'json.verify_schema({"type": "unknown_type"})',
    '[false,"jsonschema: has a primitive type that is NOT VALID -- given: /unknown_type/ Expected valid values are:[array boolean integer number null object string]"]',
  ],
  ['json.verify_schema("{")', '[false,"jsonschema: invalid JSON string"]'],
  [
    'json.verify_schema({"$ref": "http://example.com/s.json"})',
    '[false,"jsonschema: remote reference http://example.com/s.json is not allowed"]',
  ],
  ['json.match_schema({"a": 1}, {"properties": {"a": {"type": "integer"}}})', '[true,[]]'],
  [
    'json.match_schema({"a": 1.5, "b": true}, {"required": ["c"], "additionalProperties": false, "properties": {"a": {"type": "integer"}}})',
    '[false,[{"desc":"c is required","error":"(root): c is required","field":"(root)","type":"required"},{"desc":"Additional property b is not allowed","error":"(root): Additional property b is not allowed","field":"(root)","type":"additional_property_not_allowed"},{"desc":"Invalid type. Expected: integer, given: number","error":"a: Invalid type. Expected: integer, given: number","field":"a","type":"invalid_type"}]]',
  ],
  [
    'json.match_schema(`[1, 2, 2]`, {"uniqueItems": true, "maxItems": 2})',
    '[false,[{"desc":"Array must have at most 2 items","error":"(root): Array must have at most 2 items","field":"(root)","type":"array_max_items"},{"desc":"array items[1,2] must be unique","error":"(root): array items[1,2] must be unique","field":"(root)","type":"unique"}]]',
  ],
  [
    'json.match_schema(5, {})',
    { code: 'eval_builtin_error', msg: 'json.match_schema: wrong type, expected string or object' },
  ],
];

runCases(CASES);
