import { IdentityError } from './errors.js';

/** Largest plugin_data accepted. */
export const MAX_HCL_BYTES = 64 * 1024;
/** Deepest block / list nesting accepted. */
export const MAX_HCL_DEPTH = 8;

/** A value of the HCL subset: strings, numbers, booleans, lists and blocks (objects). */
export type HclValue = string | number | boolean | HclValue[] | HclObject;
/** A block body: attribute names to values. */
export interface HclObject {
  [key: string]: HclValue;
}

type Tok =
  | { t: 'ident' | 'string'; v: string; line: number; col: number }
  | { t: 'number'; v: number; line: number; col: number }
  | { t: 'punct'; v: string; line: number; col: number }
  | { t: 'nl' | 'eof'; line: number; col: number };

function fail(line: number, col: number, message: string): IdentityError {
  return new IdentityError('ERR_IDENTITY_CONFIG', `plugin_data ${line}:${col}: ${message}`);
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const col = (): number => i - lineStart + 1;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      toks.push({ t: 'nl', line, col: col() });
      i++;
      line++;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#' || (c === '/' && src[i + 1] === '/')) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw fail(line, col(), 'unterminated comment');
      for (let j = i; j < end; j++) {
        if (src[j] === '\n') {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 2;
    } else if (c === '"') {
      const l = line;
      const cc = col();
      let s = '';
      i++;
      for (;;) {
        const d = src[i];
        if (d === undefined || d === '\n') throw fail(l, cc, 'unterminated string');
        i++;
        if (d === '"') break;
        if (d === '\\') {
          const e = src[i++];
          const rep = e === undefined ? undefined : ESCAPES[e];
          if (rep === undefined) throw fail(l, cc, `unsupported escape \\${e ?? ''}`);
          s += rep;
        } else s += d;
      }
      toks.push({ t: 'string', v: s, line: l, col: cc });
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/.exec(src.slice(i));
      if (!m) throw fail(line, col(), `bad number`);
      toks.push({ t: 'number', v: Number(m[0]), line, col: col() });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      toks.push({ t: 'ident', v: m[0], line, col: col() });
      i += m[0].length;
    } else if ('={}[],'.includes(c)) {
      toks.push({ t: 'punct', v: c, line, col: col() });
      i++;
    } else if (c === '<' && src[i + 1] === '<') {
      throw fail(line, col(), 'heredoc strings are not supported');
    } else {
      throw fail(line, col(), `unexpected character '${c}'`);
    }
  }
  toks.push({ t: 'eof', line, col: col() });
  return toks;
}

/**
 * Parses the HCL subset SPIRE plugin_data needs: `key = "string" | number | bool | [list]`,
 * blocks `name { … }` (or `name = { … }`), comments `#`, `//`, `/* *\/`. Duplicate keys, heredocs
 * and anything else are errors naming line and column. HCL is a superset of JSON, and SPIRE
 * hands JSON-configured plugin_data over as JSON: an object document is accepted as such.
 */
export function parseHcl(src: string): HclObject {
  if (Buffer.byteLength(src) > MAX_HCL_BYTES) throw fail(1, 1, `larger than ${MAX_HCL_BYTES} bytes`);
  if (src.trimStart().startsWith('{')) return fromJson(src);
  const toks = lex(src);
  let p = 0;
  const peek = (): Tok => toks[p]!;
  const skipNl = (): void => {
    while (peek().t === 'nl') p++;
  };
  const expect = (v: string): void => {
    const t = peek();
    if (t.t !== 'punct' || t.v !== v) throw fail(t.line, t.col, `expected '${v}'`);
    p++;
  };

  const value = (depth: number): HclValue => {
    if (depth > MAX_HCL_DEPTH) throw fail(peek().line, peek().col, 'nested too deeply');
    const t = peek();
    if (t.t === 'string' || t.t === 'number') {
      p++;
      return t.v;
    }
    if (t.t === 'ident' && (t.v === 'true' || t.v === 'false')) {
      p++;
      return t.v === 'true';
    }
    if (t.t === 'punct' && t.v === '[') {
      p++;
      const list: HclValue[] = [];
      skipNl();
      while (!(peek().t === 'punct' && (peek() as { v: string }).v === ']')) {
        list.push(value(depth + 1));
        skipNl();
        if (peek().t === 'punct' && (peek() as { v: string }).v === ',') {
          p++;
          skipNl();
        } else if (!(peek().t === 'punct' && (peek() as { v: string }).v === ']')) {
          throw fail(peek().line, peek().col, "expected ',' or ']'");
        }
      }
      p++;
      return list;
    }
    if (t.t === 'punct' && t.v === '{') {
      p++;
      const o = body(depth + 1, '}');
      p++;
      return o;
    }
    throw fail(t.line, t.col, 'expected a value');
  };

  const body = (depth: number, end: '}' | 'eof'): HclObject => {
    const o: HclObject = Object.create(null) as HclObject;
    for (;;) {
      skipNl();
      const t = peek();
      if (end === 'eof' ? t.t === 'eof' : t.t === 'punct' && t.v === '}') return o;
      if (t.t === 'eof') throw fail(t.line, t.col, "missing '}'");
      if (t.t !== 'ident' && t.t !== 'string') throw fail(t.line, t.col, 'expected an attribute name');
      p++;
      if (t.v in o) throw fail(t.line, t.col, `duplicate key '${t.v}'`);
      const n = peek();
      if (n.t === 'punct' && n.v === '{') o[t.v] = value(depth);
      else {
        expect('=');
        o[t.v] = value(depth);
      }
      const after = peek();
      if (after.t === 'punct' && after.v === ',') p++;
      else if (after.t !== 'nl' && after.t !== 'eof' && !(after.t === 'punct' && after.v === '}')) {
        throw fail(after.line, after.col, 'expected a new line after the attribute');
      }
    }
  };
  return body(0, 'eof');
}

function fromJsonValue(v: unknown, depth: number): HclValue {
  if (depth > MAX_HCL_DEPTH) throw fail(1, 1, 'nested too deeply');
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v)) return v.map((x) => fromJsonValue(x, depth + 1));
  if (typeof v === 'object' && v !== null) {
    const o: HclObject = Object.create(null) as HclObject;
    for (const [k, x] of Object.entries(v)) o[k] = fromJsonValue(x, depth + 1);
    return o;
  }
  throw fail(1, 1, 'null is not a value');
}

function fromJson(src: string): HclObject {
  let v: unknown;
  try {
    v = JSON.parse(src);
  } catch (err) {
    throw fail(1, 1, `not valid JSON: ${(err as Error).message}`);
  }
  return fromJsonValue(v, 0) as HclObject;
}
