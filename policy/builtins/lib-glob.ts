/**
 * gobwas/glob patterns (what OPA's `glob.match` uses) compiled to JS regular expressions:
 * `*` any run of non-separator characters, `**` any run at all, `?` one non-separator
 * character, `[abc]` `[a-z]` `[!…]` character lists and ranges, `{a,b}` alternatives (nested
 * patterns), `\` escapes.
 */

/** A malformed glob pattern. */
export class GlobError extends Error {}

const SPECIAL = new Set(['*', '?', '\\', '[', ']', '{', '}']);

function reEsc(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

/** glob.QuoteMeta: escapes every special character with a backslash. */
export function globQuoteMeta(s: string): string {
  let out = '';
  for (const ch of s) out += SPECIAL.has(ch) ? `\\${ch}` : ch;
  return out;
}

/** Compiles a glob with the given separator characters into an anchored RegExp. */
export function compileGlob(pattern: string, separators: readonly string[]): RegExp {
  const cs = [...pattern];
  const sepClass = separators.map(reEsc).join('');
  const notSep = sepClass === '' ? '[^]' : `[^${sepClass}]`;
  let i = 0;
  let depth = 0;
  const parse = (): string => {
    let out = '';
    while (i < cs.length) {
      const c = cs[i]!;
      if (depth > 0 && (c === ',' || c === '}')) return out;
      i++;
      switch (c) {
        case '\\': {
          if (i >= cs.length) throw new GlobError('unexpected end of input after escape');
          out += reEsc(cs[i++]!);
          break;
        }
        case '*':
          if (cs[i] === '*') {
            while (cs[i] === '*') i++;
            out += '[^]*';
          } else out += `${notSep}*`;
          break;
        case '?':
          out += notSep;
          break;
        case '[': {
          let neg = false;
          if (cs[i] === '!') {
            neg = true;
            i++;
          }
          let body = '';
          let n = 0;
          while (i < cs.length && cs[i] !== ']') {
            let lo = cs[i++]!;
            if (lo === '\\' && i < cs.length) lo = cs[i++]!;
            if (cs[i] === '-' && i + 1 < cs.length && cs[i + 1] !== ']') {
              i++;
              let hi = cs[i++]!;
              if (hi === '\\' && i < cs.length) hi = cs[i++]!;
              if (hi.codePointAt(0)! < lo.codePointAt(0)!) throw new GlobError(`invalid range ${lo}-${hi}`);
              body += `${reEsc(lo)}-${reEsc(hi)}`;
            } else body += reEsc(lo);
            n++;
          }
          if (i >= cs.length) throw new GlobError('unexpected end of input: unclosed [');
          i++;
          if (n === 0) throw new GlobError('empty character list');
          out += `[${neg ? '^' : ''}${body}]`;
          break;
        }
        case '{': {
          depth++;
          const alts: string[] = [];
          for (;;) {
            alts.push(parse());
            if (i >= cs.length) throw new GlobError('unexpected end of input: unclosed {');
            const d = cs[i++]!;
            if (d === '}') break;
          }
          depth--;
          out += `(?:${alts.join('|')})`;
          break;
        }
        default:
          out += reEsc(c);
      }
    }
    return out;
  };
  const src = parse();
  if (i < cs.length) throw new GlobError(`unexpected ${cs[i]}`);
  return new RegExp(`^(?:${src})$`, 'u');
}
