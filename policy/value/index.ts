/** Rego values: the public surface of policy/value. */
export { canonical, compare, equal } from './compare.js';
export {
  fromJs,
  keyText,
  MAX_JSON_DEPTH,
  parseJson,
  toJs,
  toJson,
  toPrettyJson,
  ValueError,
} from './json.js';
export * as num from './number.js';
export { formatNumber, fromJsNumber, type Num, parseNumber, toFloat } from './number.js';
export {
  Dec,
  isArray,
  isNumber,
  keyOf,
  makeDecimal,
  ObjectV,
  SetV,
  type TypeName,
  typeName,
  type Value,
} from './types.js';
