import { runCases, type Want } from './builtin-cases.js';

const CASES: readonly [string, Want][] = [
  ['graph.reachable({"a": ["b"], "b": {"c"}, "c": [], "d": ["a"]}, ["a"])', '["a","b","c"]'],
  ['graph.reachable({"a": ["b"], "b": ["a"]}, {"b"})', '["a","b"]'],
  ['graph.reachable({"a": ["x"]}, ["a", "z"])', '["a"]'],
  [
    'graph.reachable({}, "a")',
    { code: 'eval_type_error', msg: 'operand 2 must be {array, set} but got string' },
  ],
  [
    'graph.reachable_paths({"a": ["b", "c"], "b": ["d"], "c": [], "d": []}, ["a"])',
    '[["a","b","d"],["a","c"]]',
  ],
  ['graph.reachable_paths({"a": ["b"], "b": ["a"]}, ["a"])', '[["a","b"]]'],
  [
    'graph.reachable_paths({"one": ["two", "five"], "two": ["four"], "three": [""], "four": ["three"], "five": ["seven", "six"], "six": ["nine", "seven"], "seven": ["eight"], "eight": ["three"], "nine": [""]}, {"one"})',
    '[["one","five","seven","eight","three"],["one","five","six"],["one","five","six","nine"],["one","two","four","three"]]',
  ],
];

runCases(CASES);
