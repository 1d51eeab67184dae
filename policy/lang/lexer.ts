import { type Loc, PolicyError } from './errors.js';
import { PUNCTUATION, type Token } from './tokens.js';

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

const IDENT_START = /[A-Za-z_]/;
const IDENT_REST = /[A-Za-z0-9_]/;
const NUMBER = /(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Splits Rego source into tokens. */
export function lex(file: string, src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let row = 1;
  let lineStart = 0;
  let nl = true;
  const loc = (p: number): Loc => ({ file, row, col: p - lineStart + 1 });
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
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < src.length && IDENT_REST.test(src[j]!)) j++;
      out.push({ kind: 'ident', text: src.slice(i, j), loc: loc(i), nl, pos: i, end: j });
      i = j;
    } else if (c >= '0' && c <= '9') {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src);
      if (m === null) fail(i, 'bad number');
      const j = i + m![0].length;
      if (j < src.length && /[A-Za-z_0-9]/.test(src[j]!)) fail(i, 'bad number literal');
      out.push({ kind: 'number', text: m![0], loc: loc(i), nl, pos: i, end: j });
      i = j;
    } else if (c === '"') {
      const [text, j] = lexString(src, i, (p, m) => fail(p, m));
      out.push({ kind: 'string', text, loc: loc(i), nl, pos: i, end: j });
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
