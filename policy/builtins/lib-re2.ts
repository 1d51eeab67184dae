/**
 * Go RE2 syntax (regexp/syntax with Perl flags) translated to a JS RegExp with the `u` flag.
 * Rego's regex builtins use Go's dialect: `(?P<name>…)`, inline flags `(?imsU)` and
 * `(?i:…)`, `\A` `\z`, `\Q…\E`, POSIX classes, ASCII-only `\d \s \w`. Constructs RE2 rejects
 * (backreferences, lookaround) are rejected here with Go's message. Node 20 has no inline
 * modifiers, so scoped flags are emulated: `s` and `m` by rewriting `.`, `^`, `$`, `i` by
 * case-expanding literals (or the global `i` flag when the whole pattern is insensitive).
 */

/** A Go regexp syntax error; the message is Go's `error parsing regexp: …`. */
export class Re2Error extends Error {}

/** Largest repeat count RE2 accepts in `{n,m}`. */
export const MAX_REPEAT = 1000;

/** A compiled pattern: the JS regexp plus Go's subexpression names (index 0 is the whole match). */
export interface Re2 {
  readonly re: RegExp;
  readonly names: readonly string[];
  /**
   * True when a repetition applies to a group that itself repeats or alternates ((a+)+, (a|b)*):
   * the shapes where a backtracking engine can take exponential time, unlike RE2.
   */
  readonly risky: boolean;
  /** True with two or more unbounded repetitions: polynomial time on long subjects. */
  readonly poly: boolean;
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\u0000-\\u007f',
  blank: '\\t ',
  cntrl: '\\u0000-\\u001f\\u007f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const PERL: Record<string, string> = { d: '0-9', s: '\\t\\n\\f\\r ', w: '0-9A-Za-z_' };
const PERL_NEG: Record<string, string> = {
  d: '\\u0000-\\/:-\\u{10ffff}',
  s: '\\u0000-\\u0008\\u000b\\u000e-\\u001f!-\\u{10ffff}',
  w: '\\u0000-\\/:-@\\[-\\^`\\{-\\u{10ffff}',
};

function fail(what: string, arg: string): never {
  throw new Re2Error(`error parsing regexp: ${what}: \`${arg}\``);
}

/** A code point as JS pattern text; '-' is only escapable (and only needs escaping) in a class. */
function esc(cp: number, inClass = true): string {
  if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) return `\\u{${cp.toString(16)}}`;
  const ch = String.fromCodePoint(cp);
  if (ch === '-') return inClass ? '\\-' : '-';
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

function caseVariants(cp: number): number[] {
  const ch = String.fromCodePoint(cp);
  const out = new Set<number>([cp]);
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
    const cps = [...v];
    if (cps.length === 1) out.add(cps[0]!.codePointAt(0)!);
  }
  return [...out];
}

class Translator {
  private pos = 0;
  private out = '';
  private flags: Flags = { i: false, m: false, s: false, U: false };
  private readonly stack: { flags: Flags; atomStart: number }[] = [];
  /** Whether literals seen so far were case-insensitive / sensitive (to choose the JS `i` flag). */
  sawI = false;
  sawCase = false;
  readonly names: string[] = [''];
  private canRepeat = false;
  /** Per open group: whether it contains a repetition or an alternation. */
  private readonly groupRep: boolean[] = [false];
  /** Set right after a group closes: whether that group repeated or alternated inside. */
  private closedGroupRep: boolean | null = null;
  risky = false;
  unbounded = 0;
  private lastRepeat = false;

  constructor(
    private readonly p: string,
    private readonly expand: boolean,
  ) {}

  run(): string {
    const p = this.p;
    while (this.pos < p.length) {
      const c = p[this.pos]!;
      switch (c) {
        case '(':
          this.group();
          break;
        case ')': {
          const g = this.stack.pop();
          if (g === undefined) fail('unexpected )', p);
          this.flags = g.flags;
          this.out += ')';
          this.pos++;
          this.atom();
          this.closedGroupRep = this.groupRep.pop() ?? false;
          // A group containing a repeating group repeats inside too.
          if (this.closedGroupRep) this.groupRep[this.groupRep.length - 1] = true;
          break;
        }
        case '|':
          this.groupRep[this.groupRep.length - 1] = true;
          this.out += '|';
          this.pos++;
          this.canRepeat = false;
          this.lastRepeat = false;
          break;
        case '*':
        case '+':
        case '?':
          this.repeat(c, 1);
          break;
        case '{': {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(this.pos));
          if (m === null) {
            this.literal(0x7b);
            this.pos++;
            break;
          }
          const lo = Number(m[1]);
          const hi = m[3] === undefined || m[3] === '' ? (m[2] === undefined ? lo : -1) : Number(m[3]);
          if (lo > MAX_REPEAT || hi > MAX_REPEAT || (hi >= 0 && hi < lo)) fail('invalid repeat count', m[0]);
          this.repeat(m[0], m[0].length);
          break;
        }
        case '^':
          this.out += this.flags.m ? '(?:^|(?<=\\n))' : '(?:^)';
          this.pos++;
          this.atom();
          break;
        case '$':
          this.out += this.flags.m ? '(?:$|(?=\\n))' : '(?:$)';
          this.pos++;
          this.atom();
          break;
        case '.':
          this.out += this.flags.s ? '[^]' : '[^\\n]';
          this.pos++;
          this.atom();
          break;
        case '[':
          this.out += this.charClass();
          this.atom();
          break;
        case '\\':
          this.escape();
          break;
        default: {
          const cp = p.codePointAt(this.pos)!;
          this.pos += cp > 0xffff ? 2 : 1;
          this.literal(cp);
        }
      }
    }
    if (this.stack.length > 0) fail('missing closing )', p);
    return this.out;
  }

  private atom(): void {
    this.canRepeat = true;
    this.lastRepeat = false;
    this.closedGroupRep = null;
  }

  private repeat(op: string, len: number): void {
    const p = this.p;
    if (this.lastRepeat)
      fail('invalid nested repetition operator', p.slice(this.pos - this.lastLen, this.pos + len));
    if (!this.canRepeat) fail('missing argument to repetition operator', p.slice(this.pos, this.pos + len));
    this.pos += len;
    let lazy = false;
    if (p[this.pos] === '?') {
      lazy = true;
      this.pos++;
    }
    if (this.flags.U) lazy = !lazy;
    // A repeated group that itself repeats can backtrack exponentially, but only when the outer
    // repetition can run long: (x?){4} has at most 2^4 paths, (a?){30}a{30} has 2^30.
    if (op !== '?' && this.closedGroupRep === true && repeatMax(op) > RISKY_BOUNDED_REPEAT) this.risky = true;
    if (op === '*' || op === '+' || /,\}$/.test(op)) this.unbounded++;
    this.groupRep[this.groupRep.length - 1] = true;
    this.out += op + (lazy ? '?' : '');
    this.lastRepeat = true;
    this.lastLen = len + (p[this.pos - 1] === '?' && len !== 1 ? 1 : 0);
    this.canRepeat = false;
  }

  private lastLen = 1;

  private literal(cp: number): void {
    const ch = String.fromCodePoint(cp);
    const cased = ch.toLowerCase() !== ch.toUpperCase();
    if (cased) {
      if (this.flags.i) this.sawI = true;
      else this.sawCase = true;
    }
    if (this.flags.i && this.expand && cased) {
      const vs = caseVariants(cp);
      this.out += vs.length > 1 ? `[${vs.map((v) => esc(v)).join('')}]` : esc(cp, false);
    } else this.out += esc(cp, false);
    this.atom();
  }

  private group(): void {
    const p = this.p;
    const rest = p.slice(this.pos);
    const named = /^\(\?P?<([A-Za-z0-9_]+)>/.exec(rest);
    if (named !== null) {
      if (this.names.includes(named[1]!)) fail('duplicate capture group name', named[1]!);
      this.names.push(named[1]!);
      this.open('(');
      this.pos += named[0].length;
      return;
    }
    if (rest.startsWith('(?')) {
      const fl = /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
      if (fl === null || (fl[2] === '' && fl[1] === '' && fl[3] === ')') || fl[2] === '') {
        const bad = /^\(\?P?<?[=!]?/.exec(rest)?.[0] ?? '(?';
        fail(
          rest.startsWith('(?P<') || rest.startsWith('(?<')
            ? 'invalid named capture'
            : 'invalid or unsupported Perl syntax',
          bad,
        );
      }
      const f = { ...this.flags };
      for (const x of fl[1]!) f[x as keyof Flags] = true;
      for (const x of fl[2] ?? '') f[x as keyof Flags] = false;
      this.pos += fl[0].length;
      if (fl[3] === ')') {
        this.flags = f;
        return;
      }
      this.stack.push({ flags: this.flags, atomStart: this.out.length });
      this.groupRep.push(false);
      this.flags = f;
      this.out += '(?:';
      this.canRepeat = false;
      this.lastRepeat = false;
      return;
    }
    this.names.push('');
    this.open('(');
    this.pos++;
  }

  private open(s: string): void {
    this.stack.push({ flags: this.flags, atomStart: this.out.length });
    this.groupRep.push(false);
    this.out += s;
    this.canRepeat = false;
    this.lastRepeat = false;
  }

  private unicodeClass(neg: boolean): string {
    const p = this.p;
    let name: string;
    if (p[this.pos] === '{') {
      const end = p.indexOf('}', this.pos);
      if (end < 0) fail('invalid character class range', p.slice(this.pos - 2));
      name = p.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else {
      name = p[this.pos] ?? '';
      this.pos++;
    }
    if (name.startsWith('^')) {
      neg = !neg;
      name = name.slice(1);
    }
    let body: string;
    if (name === 'Any') body = neg ? '[^\\u{0}-\\u{10ffff}]' : '[\\u{0}-\\u{10ffff}]';
    else {
      const prop = /^[A-Z][a-z]?$/.test(name) ? name : `Script=${name}`;
      try {
        new RegExp(`\\p{${prop}}`, 'u');
      } catch {
        fail('invalid character class range', `\\p{${name}}`);
      }
      body = `\\${neg ? 'P' : 'p'}{${prop}}`;
    }
    return body;
  }

  /** One escape after a backslash; returns a class body fragment (inClass) or emits an atom. */
  private escapeCode(inClass: boolean): { cp: number } | { cls: string } {
    const p = this.p;
    this.pos++;
    const c = p[this.pos];
    if (c === undefined) fail('trailing backslash at end of expression', '');
    this.pos++;
    switch (c) {
      case 'a':
        return { cp: 7 };
      case 'f':
        return { cp: 12 };
      case 't':
        return { cp: 9 };
      case 'n':
        return { cp: 10 };
      case 'r':
        return { cp: 13 };
      case 'v':
        return { cp: 11 };
      case 'd':
      case 's':
      case 'w':
        return { cls: PERL[c]! };
      case 'D':
      case 'S':
      case 'W':
        return { cls: PERL_NEG[c.toLowerCase()]! };
      case 'p':
      case 'P':
        return { cls: this.unicodeClass(c === 'P') };
      case 'x': {
        const m = /^(?:\{([0-9A-Fa-f]+)\}|([0-9A-Fa-f]{2}))/.exec(p.slice(this.pos));
        if (m === null) fail('invalid escape sequence', p.slice(this.pos - 2, this.pos + 2));
        const cp = Number.parseInt(m[1] ?? m[2]!, 16);
        if (cp > 0x10ffff) fail('invalid escape sequence', `\\x${m[0]}`);
        this.pos += m[0].length;
        return { cp };
      }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        const m = /^[0-7]{0,2}/.exec(p.slice(this.pos))![0];
        if (c !== '0' && m === '') fail('invalid escape sequence', `\\${c}`);
        this.pos += m.length;
        return { cp: Number.parseInt(c + m, 8) };
      }
    }
    const cp = c.codePointAt(0)!;
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(c)) return { cp };
    if (!inClass && (c === 'b' || c === 'B' || c === 'A' || c === 'z')) return { cls: `@${c}` };
    fail('invalid escape sequence', `\\${c}`);
  }

  private escape(): void {
    const p = this.p;
    if (p[this.pos + 1] === 'Q') {
      const end = p.indexOf('\\E', this.pos + 2);
      const lit = end < 0 ? p.slice(this.pos + 2) : p.slice(this.pos + 2, end);
      this.pos = end < 0 ? p.length : end + 2;
      for (const ch of lit) this.literal(ch.codePointAt(0)!);
      return;
    }
    const e = this.escapeCode(false);
    if ('cp' in e) {
      this.literal(e.cp);
      return;
    }
    switch (e.cls) {
      case '@b':
        this.out += '(?:\\b)';
        break;
      case '@B':
        this.out += '(?:\\B)';
        break;
      case '@A':
        this.out += '(?:^)';
        break;
      case '@z':
        this.out += '(?:$)';
        break;
      default:
        this.out +=
          e.cls.startsWith('\\p') || e.cls.startsWith('\\P') || e.cls.startsWith('[') ? e.cls : `[${e.cls}]`;
    }
    this.atom();
  }

  private charClass(): string {
    const p = this.p;
    const start = this.pos;
    this.pos++;
    let neg = false;
    if (p[this.pos] === '^') {
      neg = true;
      this.pos++;
    }
    let body = '';
    let first = true;
    const single = (): { cp: number } | { cls: string } | null => {
      if (this.pos >= p.length) fail('missing closing ]', p.slice(start));
      if (p.startsWith('[:', this.pos)) {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.pos));
        if (m !== null && POSIX[m[2]!] !== undefined) {
          this.pos += m[0].length;
          if (m[1] === '^') {
            const neg2 = new RegExp(`[^${POSIX[m[2]!]}]`, 'u');
            return { cls: `@${neg2.source.slice(2, -1)}` };
          }
          return { cls: POSIX[m[2]!]! };
        }
        if (m !== null) fail('invalid character class range', m[0]);
      }
      if (p[this.pos] === '\\') return this.escapeCode(true);
      const cp = p.codePointAt(this.pos)!;
      this.pos += cp > 0xffff ? 2 : 1;
      return { cp };
    };
    const negatedParts: string[] = [];
    while (first || p[this.pos] !== ']') {
      if (this.pos >= p.length) fail('missing closing ]', p.slice(start));
      first = false;
      const itemStart = this.pos;
      const a = single();
      if (a === null) continue;
      if ('cls' in a) {
        if (a.cls.startsWith('@')) negatedParts.push(a.cls.slice(1));
        else body += a.cls;
        continue;
      }
      const lo = a.cp;
      let hi = a.cp;
      if (p[this.pos] === '-' && p[this.pos + 1] !== ']' && this.pos + 1 < p.length) {
        this.pos++;
        const b = single();
        if (b === null || 'cls' in b) fail('invalid character class range', p.slice(itemStart, this.pos));
        hi = b.cp;
        if (hi < lo) fail('invalid character class range', p.slice(itemStart, this.pos));
      }
      body += this.rangeText(lo, hi);
    }
    this.pos++;
    if (negatedParts.length > 0) {
      // [^…] pieces inside a class: build as an alternation of classes.
      const pos = body === '' ? [] : [`[${body}]`];
      const alts = [...pos, ...negatedParts.map((n) => `[^${n}]`)].join('|');
      return neg ? `(?:(?!${alts})[^])` : `(?:${alts})`;
    }
    if (body === '') return neg ? '[^]' : '[^\\u{0}-\\u{10ffff}]';
    return `[${neg ? '^' : ''}${body}]`;
  }

  private rangeText(lo: number, hi: number): string {
    let s = lo === hi ? esc(lo) : `${esc(lo)}-${esc(hi)}`;
    const anyCased = hi - lo > 256 || caseVariants(lo).length > 1 || caseVariants(hi).length > 1;
    if (anyCased) {
      if (this.flags.i) this.sawI = true;
      else this.sawCase = true;
    }
    if (this.flags.i && this.expand && hi - lo <= 256) {
      for (let c = lo; c <= hi; c++) for (const v of caseVariants(c)) if (v < lo || v > hi) s += esc(v);
    }
    return s;
  }
}

/** Bounded repetitions of a repeating group up to this count are not worth guarding. */
export const RISKY_BOUNDED_REPEAT = 8;

/** Largest count a repetition operator allows: `*`, `+`, `{n,}` are unbounded. */
function repeatMax(op: string): number {
  const m = /^\{(\d+)(,(\d*))?\}$/.exec(op);
  if (m === null) return op === '?' ? 1 : Number.POSITIVE_INFINITY;
  if (m[2] === undefined) return Number(m[1]);
  return m[3] === '' || m[3] === undefined ? Number.POSITIVE_INFINITY : Number(m[3]);
}

/** Translates and compiles a Go regexp; throws {@link Re2Error} for invalid patterns. */
export function compileRe2(pattern: string): Re2 {
  const first = new Translator(pattern, false);
  const src = first.run();
  // Uniformly case-insensitive patterns use the native flag; mixed ones need case expansion.
  try {
    if (first.sawI && first.sawCase) {
      const t = new Translator(pattern, true);
      return { re: new RegExp(t.run(), 'gu'), names: t.names, risky: t.risky, poly: t.unbounded >= 2 };
    }
    const re = new RegExp(src, first.sawI ? 'giu' : 'gu');
    return { re, names: first.names, risky: first.risky, poly: first.unbounded >= 2 };
  } catch (e) {
    throw new Re2Error(`error parsing regexp: ${(e as Error).message}`);
  }
}
