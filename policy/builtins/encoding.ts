import { ObjectV, parseJson, SetV, type Value, ValueError } from '../value/index.js';
import { builtinErr } from './args.js';
import {
  CodecError,
  goBase64Decode,
  goHexDecode,
  parseQuery,
  queryEscape,
  queryUnescape,
} from './lib-codec.js';
import { goJson } from './lib-gojson.js';
import { operandErr, operandTypeErr, strOp } from './lib-operand.js';
import { YamlError, yamlParse, yamlStringify } from './lib-yaml.js';
import type { BuiltinRegistry } from './registry.js';

function codec<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CodecError || e instanceof YamlError || e instanceof ValueError) {
      throw builtinErr(name, e.message);
    }
    throw e;
  }
}

function str(name: string, f: (s: string) => Value) {
  return (args: readonly Value[]): Value => f(strOp(name, args, 1));
}

function isValid(f: (s: string) => unknown) {
  return (args: readonly Value[]): Value => {
    const s = args[0];
    if (typeof s !== 'string') return false;
    try {
      f(s);
      return true;
    } catch {
      return false;
    }
  };
}

function base64urlDecode(s: string): string {
  let t = s;
  if (!t.endsWith('=')) {
    switch (Buffer.byteLength(t) % 4) {
      case 0:
        break;
      case 2:
        t += '==';
        break;
      case 3:
        t += '=';
        break;
      default:
        throw new CodecError(`illegal base64url string: ${s}`);
    }
  }
  return goBase64Decode(t, true).toString('utf8');
}

const ENCODE_OBJECT_ERR = 'values must be string, array[string], or set[string]';

function encodeObject(args: readonly Value[]): Value {
  const name = 'urlquery.encode_object';
  const o = args[0]!;
  if (!(o instanceof ObjectV)) throw operandTypeErr(name, 1, o, 'object');
  const pairs: [string, string[]][] = [];
  for (const [k, v] of o.entries()) {
    const key = typeof k === 'string' ? k : String(k);
    if (typeof v === 'string') pairs.push([key, [v]]);
    else if (Array.isArray(v) || v instanceof SetV) {
      const items = Array.isArray(v) ? v : v.values();
      const vals: string[] = [];
      for (const x of items) {
        if (typeof x !== 'string') throw operandErr(name, 1, ENCODE_OBJECT_ERR);
        vals.push(x);
      }
      pairs.push([key, vals]);
    } else throw operandErr(name, 1, ENCODE_OBJECT_ERR);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const parts: string[] = [];
  for (const [k, vs] of pairs) for (const v of vs) parts.push(`${queryEscape(k)}=${queryEscape(v)}`);
  return parts.join('&');
}

function decodeObject(args: readonly Value[]): Value {
  const q = strOp('urlquery.decode_object', args, 1);
  const m = codec('urlquery.decode_object', () => parseQuery(q));
  return ObjectV.from([...m].map(([k, vs]) => [k, vs] as const));
}

/** Registers base64, base64url, hex, urlquery, json.marshal/unmarshal/is_valid and yaml.*. */
export function registerEncoding(r: BuiltinRegistry): void {
  r.register({
    name: 'base64.encode',
    arity: 1,
    impl: str('base64.encode', (s) => Buffer.from(s).toString('base64')),
  });
  r.register({
    name: 'base64.decode',
    arity: 1,
    impl: str('base64.decode', (s) =>
      codec('base64.decode', () => goBase64Decode(s, false).toString('utf8')),
    ),
  });
  r.register({ name: 'base64.is_valid', arity: 1, impl: isValid((s) => goBase64Decode(s, false)) });
  r.register({
    name: 'base64url.encode',
    arity: 1,
    impl: str('base64url.encode', (s) =>
      Buffer.from(s).toString('base64').replace(/\+/g, '-').replace(/\//g, '_'),
    ),
  });
  r.register({
    name: 'base64url.encode_no_pad',
    arity: 1,
    impl: str('base64url.encode_no_pad', (s) => Buffer.from(s).toString('base64url')),
  });
  r.register({
    name: 'base64url.decode',
    arity: 1,
    impl: str('base64url.decode', (s) => codec('base64url.decode', () => base64urlDecode(s))),
  });
  r.register({
    name: 'hex.encode',
    arity: 1,
    impl: str('hex.encode', (s) => Buffer.from(s).toString('hex')),
  });
  r.register({
    name: 'hex.decode',
    arity: 1,
    impl: str('hex.decode', (s) => codec('hex.decode', () => goHexDecode(s).toString('utf8'))),
  });
  r.register({ name: 'urlquery.encode', arity: 1, impl: str('urlquery.encode', queryEscape) });
  r.register({
    name: 'urlquery.decode',
    arity: 1,
    impl: str('urlquery.decode', (s) => codec('urlquery.decode', () => queryUnescape(s))),
  });
  r.register({ name: 'urlquery.encode_object', arity: 1, impl: encodeObject });
  r.register({ name: 'urlquery.decode_object', arity: 1, impl: decodeObject });
  r.register({ name: 'json.marshal', arity: 1, impl: (args) => goJson(args[0]!) });
  r.register({
    name: 'json.unmarshal',
    arity: 1,
    impl: str('json.unmarshal', (s) => codec('json.unmarshal', () => parseJson(s))),
  });
  r.register({ name: 'json.is_valid', arity: 1, impl: isValid(parseJson) });
  r.register({ name: 'yaml.marshal', arity: 1, impl: (args) => yamlStringify(args[0]!) });
  r.register({
    name: 'yaml.unmarshal',
    arity: 1,
    impl: str('yaml.unmarshal', (s) => codec('yaml.unmarshal', () => yamlParse(s))),
  });
  r.register({ name: 'yaml.is_valid', arity: 1, impl: isValid(yamlParse) });
}
