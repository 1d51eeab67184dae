import { type Loc, PolicyError } from './errors.js';
import { type LexBase, PUNCTUATION, type TemplatePart, type Token } from './tokens.js';

/** Source size limits, as the kata-agent applies them to a policy before parsing. */
export interface SourceLimits {
  /** Longest accepted line, in bytes (kata-agent: 64 KiB). */
  readonly maxLineBytes: number;
  /** Largest accepted file, in bytes (kata-agent: 16 MiB). */
  readonly maxFileBytes: number;
  /** Most lines accepted (kata-agent: 200,000). */
  readonly maxLines: number;
}

/** The kata-agent's defaults for policy source limits. */
export const DEFAULT_SOURCE_LIMITS: SourceLimits = {
  maxLineBytes: 64 * 1024,
  maxFileBytes: 16 * 1024 * 1024,
  maxLines: 200_000,
};

/** Rejects a source that exceeds the limits, before any parsing work. */
export function checkSourceLimits(file: string, src: string, limits: SourceLimits): void {
  const bytes = Buffer.byteLength(src, 'utf8');
  if (bytes > limits.maxFileBytes) {
    throw new PolicyError(
      'policy_limit_error',
      `policy is ${bytes} bytes, more than the limit of ${limits.maxFileBytes}`,
      { file, row: 1, col: 1 },
    );
  }
  let line = 1;
  let start = 0;
  for (;;) {
    const nl = src.indexOf('\n', start);
    const end = nl < 0 ? src.length : nl;
    if (end - start > limits.maxLineBytes / 4 || nl < 0) {
      const len = Buffer.byteLength(src.slice(start, end), 'utf8');
      if (len > limits.maxLineBytes) {
        throw new PolicyError(
          'policy_limit_error',
          `line is ${len} bytes, more than the limit of ${limits.maxLineBytes}`,
          { file, row: line, col: 1 },
        );
      }
    }
    if (nl < 0) break;
    line++;
    if (line > limits.maxLines) {
      throw new PolicyError('policy_limit_error', `policy has more than ${limits.maxLines} lines`, {
        file,
        row: line,
        col: 1,
      });
    }
    start = nl + 1;
  }
}

function identStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function identRest(c: number): boolean {
  return identStart(c) || (c >= 48 && c <= 57);
}
const NUMBER = /(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Splits Rego source into tokens. */
export function lex(file: string, src: string, base: LexBase = { row: 1, col: 1 }): Token[] {
  const out: Token[] = [];
  let i = 0;
  let row = base.row;
  let lineStart = 0;
  let nl = true;
  let meta: string[] | null = null;
  const loc = (p: number): Loc => ({ file, row, col: p - lineStart + (row === base.row ? base.col : 1) });
  const fail = (p: number, msg: string): never => {
    throw new PolicyError('rego_parse_error', msg, loc(p));
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      row++;
      lineStart = ++i;
      nl = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      const start = i;
      while (i < src.length && src[i] !== '\n') i++;
      const text = src.slice(start + 1, i);
      if (text.trim() === 'METADATA' && nl) meta = [];
      else if (meta !== null) meta.push(text.startsWith(' ') ? text.slice(1) : text);
      continue;
    }
    const start = i;
    if (identStart(src.charCodeAt(i))) {
      let j = i + 1;
      while (j < src.length && identRest(src.charCodeAt(j))) j++;
      const tok: Token = { kind: 'ident', text: src.slice(i, j), loc: loc(i), nl, pos: i, end: j };
      // A `# METADATA` comment block belongs to the package or rule that follows it.
      out.push(meta === null ? tok : { ...tok, meta: meta.join('\n') });
      meta = null;
      i = j;
    } else if (c >= '0' && c <= '9') {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src);
      if (m === null) fail(i, 'bad number');
      const j = i + m![0].length;
      if (j < src.length && identRest(src.charCodeAt(j))) fail(i, 'bad number literal');
      out.push({ kind: 'number', text: m![0], loc: loc(i), nl, pos: i, end: j });
      i = j;
    } else if (c === '"') {
      const [text, j] = lexString(src, i, (p, m) => fail(p, m));
      out.push({ kind: 'string', text, loc: loc(i), nl, pos: i, end: j });
      i = j;
    } else if (c === '$' && src[i + 1] === '"') {
      const start = loc(i);
      const [parts, j] = lexTemplate(
        src,
        i + 2,
        (p) => ({
          row: row + countNl(src, i, p),
          col: colAt(src, p, lineStart, row === base.row ? base.col : 1),
        }),
        (p, m) => fail(p, m),
      );
      out.push({ kind: 'template', text: '', loc: start, nl, pos: i, end: j, parts });
      i = j;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) fail(i, 'unterminated raw string');
      const text = src.slice(i + 1, j);
      out.push({ kind: 'string', text, loc: loc(i), nl, pos: i, end: j + 1, raw: true });
      for (let k = i + 1; k < j; k++) {
        if (src[k] === '\n') {
          row++;
          lineStart = k + 1;
        }
      }
      i = j + 1;
    } else {
      const p = PUNCTUATION.find((x) => src.startsWith(x, i));
      if (p === undefined) fail(i, `unexpected character ${JSON.stringify(c)}`);
      out.push({ kind: 'punct', text: p!, loc: loc(i), nl, pos: i, end: i + p!.length });
      i += p!.length;
    }
    nl = false;
    void start;
  }
  out.push({ kind: 'eof', text: '', loc: loc(i), nl: true, pos: i, end: i });
  return out;
}

function lexString(src: string, i: number, fail: (p: number, m: string) => never): [string, number] {
  let j = i + 1;
  let out = '';
  for (;;) {
    if (j >= src.length || src[j] === '\n') fail(i, 'unterminated string');
    const c = src[j]!;
    if (c === '"') return [out, j + 1];
    if (c !== '\\') {
      out += c;
      j++;
      continue;
    }
    const e = src[j + 1];
    j += 2;
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case '"':
      case '\\':
      case '/':
        out += e;
        break;
      case 'u': {
        const h = src.slice(j, j + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(h)) fail(j, 'bad unicode escape');
        out += String.fromCharCode(Number.parseInt(h, 16));
        j += 4;
        break;
      }
      default:
        fail(j - 2, `bad escape \\${e ?? ''}`);
    }
  }
}

function countNl(src: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) if (src[k] === '\n') n++;
  return n;
}

function colAt(src: string, p: number, lineStart: number, firstCol: number): number {
  const nl = src.lastIndexOf('\n', p - 1);
  return nl < lineStart ? p - lineStart + firstCol : p - nl;
}

/** Index just past the string, raw string or template starting at `i` (for skipping). */
function skipQuoted(src: string, i: number, fail: (p: number, m: string) => never): number {
  if (src[i] === '`') {
    const j = src.indexOf('`', i + 1);
    if (j < 0) fail(i, 'unterminated raw string');
    return j + 1;
  }
  const open = src[i] === '$' ? i + 1 : i;
  let j = open + 1;
  for (;;) {
    if (j >= src.length || src[j] === '\n') fail(i, 'unterminated string');
    const c = src[j]!;
    if (c === '\\') j += 2;
    else if (c === '"') return j + 1;
    else if (src[i] === '$' && c === '{') j = skipExpr(src, j + 1, fail) + 1;
    else j++;
  }
}

/** Index of the `}` closing a template expression that starts at `i`. */
function skipExpr(src: string, i: number, fail: (p: number, m: string) => never): number {
  let depth = 0;
  let j = i;
  for (;;) {
    if (j >= src.length) fail(i, 'unterminated template expression');
    const c = src[j]!;
    if (c === '"' || c === '`' || (c === '$' && src[j + 1] === '"')) j = skipQuoted(src, j, fail);
    else if (c === '{') {
      depth++;
      j++;
    } else if (c === '}') {
      if (depth === 0) return j;
      depth--;
      j++;
    } else j++;
  }
}

/** Lexes the body of `$"..."` from just after the opening quote. */
function lexTemplate(
  src: string,
  i: number,
  at: (p: number) => { row: number; col: number },
  fail: (p: number, m: string) => never,
): [TemplatePart[], number] {
  const parts: TemplatePart[] = [];
  let lit = '';
  let j = i;
  for (;;) {
    if (j >= src.length || src[j] === '\n') fail(i, 'unterminated template string');
    const c = src[j]!;
    if (c === '"') {
      if (lit !== '') parts.push({ lit });
      return [parts, j + 1];
    }
    if (c === '{') {
      if (lit !== '') parts.push({ lit });
      lit = '';
      const end = skipExpr(src, j + 1, fail);
      const p = at(j + 1);
      parts.push({ src: src.slice(j + 1, end), row: p.row, col: p.col });
      j = end + 1;
      continue;
    }
    if (c === '\\' && src[j + 1] === '{') {
      lit += '{';
      j += 2;
      continue;
    }
    if (c === '\\') {
      const [s] = lexString(`"${src.slice(j, j + (src[j + 1] === 'u' ? 6 : 2))}"`, 0, () =>
        fail(j, 'bad escape'),
      );
      lit += s;
      j += src[j + 1] === 'u' ? 6 : 2;
      continue;
    }
    lit += c;
    j++;
  }
}
