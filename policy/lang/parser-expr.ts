import { parseNumber, type Value } from '../value/index.js';
import type { Body, Expr, Term, With } from './ast.js';
import { type Loc, PolicyError } from './errors.js';
import { lex } from './lexer.js';
import type { Token } from './tokens.js';

/** The builtin a template string desugars to (handled by the evaluator like `print`). */
export const TEMPLATE_STRING = 'internal.template_string';

/** Deepest term nesting the parser accepts, so hostile input cannot overflow the stack. */
export const MAX_PARSE_DEPTH = 512;

const REL_OPS: Record<string, string> = {
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
};
const ARITH_OPS: Record<string, string> = { '+': 'plus', '-': 'minus' };
const FACTOR_OPS: Record<string, string> = { '*': 'mul', '/': 'div', '%': 'rem' };

/** Builds a variable term. */
export function mkVar(name: string, loc: Loc): Term {
  return { t: 'var', name, slot: -1, loc };
}

/** Builds a call of a builtin/function by dotted name. */
export function mkCall(name: string, args: Term[], loc: Loc): Term {
  const parts = name.split('.');
  const head = mkVar(parts[0]!, loc);
  const fn: Term =
    parts.length === 1
      ? head
      : { t: 'ref', head, path: parts.slice(1).map((p) => ({ t: 'val', v: p, loc })), loc };
  return { t: 'call', fn, args, loc };
}

/** Token navigation and the term/expression grammar; parser-module.ts adds modules and rules. */
export class ExprParser {
  i = 0;
  /** >0 while inside (), [] or a composite literal, where newlines do not end expressions. */
  private nesting = 0;
  private depth = 0;

  constructor(
    protected readonly toks: Token[],
    protected readonly file: string,
  ) {}

  peek(o = 0): Token {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }

  next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }

  fail(msg: string, t: Token = this.peek()): never {
    throw new PolicyError('rego_parse_error', msg, t.loc);
  }

  is(text: string, o = 0): boolean {
    const t = this.peek(o);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }

  isPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === text;
  }

  expect(text: string): Token {
    if (!this.is(text)) this.fail(`expected ${text} but found ${this.describe(this.peek())}`);
    return this.next();
  }

  describe(t: Token): string {
    return t.kind === 'eof' ? 'end of file' : t.kind === 'string' ? 'string' : JSON.stringify(t.text);
  }

  /** True when the next token may continue the current expression (no newline, or nested). */
  private cont(): boolean {
    return this.nesting > 0 || !this.peek().nl;
  }

  private nested<T>(f: () => T): T {
    const saved = this.nesting;
    this.nesting = saved + 1;
    try {
      return f();
    } finally {
      this.nesting = saved;
    }
  }

  private flat<T>(f: () => T): T {
    const saved = this.nesting;
    this.nesting = 0;
    try {
      return this.withBar(true, f);
    } finally {
      this.nesting = saved;
    }
  }

  /** expr := membership-level expression. */
  parseExpr(): Term {
    if (++this.depth > MAX_PARSE_DEPTH) this.fail('expression nested too deeply');
    try {
      let lhs = this.parseRel();
      while (this.is('in') && this.cont()) {
        const t = this.next();
        const rhs = this.parseRel();
        lhs = mkCall('internal.member_2', [lhs, rhs], t.loc);
      }
      return lhs;
    } finally {
      this.depth--;
    }
  }

  private binary(sub: () => Term, ops: Record<string, string>): Term {
    let lhs = sub();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || !(t.text in ops) || !this.cont()) return lhs;
      this.next();
      lhs = mkCall(ops[t.text]!, [lhs, sub()], t.loc);
    }
  }

  parseRel(): Term {
    return this.binary(() => this.parseOr(), REL_OPS);
  }
  private parseOr(): Term {
    return this.binary(() => this.parseAnd(), this.noBar ? {} : { '|': 'or' });
  }

  /** True while parsing the first item of a bracket, where `|` starts a comprehension body. */
  private noBar = false;

  private withBar<T>(allowed: boolean, f: () => T): T {
    const saved = this.noBar;
    this.noBar = !allowed;
    try {
      return f();
    } finally {
      this.noBar = saved;
    }
  }
  private parseAnd(): Term {
    return this.binary(() => this.parseArith(), { '&': 'and' });
  }
  private parseArith(): Term {
    return this.binary(() => this.parseFactor(), ARITH_OPS);
  }
  private parseFactor(): Term {
    return this.binary(() => this.parseUnary(), FACTOR_OPS);
  }

  private parseUnary(): Term {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '-') {
      const n = this.peek(1);
      this.next();
      if (n.kind === 'number' && n.pos === t.end) {
        this.next();
        return this.postfix(this.numberTerm(`-${n.text}`, t));
      }
      return mkCall('minus', [{ t: 'val', v: 0n, loc: t.loc }, this.parseUnary()], t.loc);
    }
    return this.parseTerm();
  }

  private numberTerm(text: string, t: Token): Term {
    const v = parseNumber(text);
    if (v === undefined) this.fail(`number ${text} out of range`, t);
    return { t: 'val', v, loc: t.loc };
  }

  /** A primary term with its ref/call continuations. */
  parseTerm(): Term {
    if (++this.depth > MAX_PARSE_DEPTH) this.fail('term nested too deeply');
    try {
      return this.postfix(this.primary());
    } finally {
      this.depth--;
    }
  }

  private primary(): Term {
    const t = this.next();
    const loc = t.loc;
    switch (t.kind) {
      case 'number':
        return this.numberTerm(t.text, t);
      case 'string':
        return { t: 'val', v: t.text, loc };
      case 'template':
        return this.template(t);
      case 'ident': {
        const lit: Record<string, Value> = { true: true, false: false, null: null };
        // `null.foo` is a reference to a rule named null, not the null literal.
        if (t.text in lit && !this.refFollows(t)) return { t: 'val', v: lit[t.text]!, loc };
        if (t.text === 'set' && this.isPunct('(') && this.peek(1).text === ')' && !this.peek().nl) {
          this.next();
          this.next();
          return { t: 'set', items: [], loc };
        }
        return mkVar(t.text, loc);
      }
      case 'punct':
        if (t.text === '(') {
          const e = this.nested(() => this.withBar(true, () => this.parenthesised()));
          this.expect(')');
          return e;
        }
        if (t.text === '[') return this.nested(() => this.arrayLike(loc));
        if (t.text === '{') return this.nested(() => this.braceLike(loc));
        break;
    }
    return this.fail(`unexpected ${this.describe(t)}`, t);
  }

  /** `( expr )`, or `( key, value in coll )` (membership with a key). */
  private parenthesised(): Term {
    const e = this.parseExpr();
    if (!this.isPunct(',')) return e;
    const t = this.next();
    const v = this.parseExpr();
    if (!isMember2(v) || v.t !== 'call') this.fail('expected "in" after "key, value"', t);
    return mkCall('internal.member_3', [e, v.args[0]!, v.args[1]!], t.loc);
  }

  /** `$"a {x} b"` → internal.template_string("a ", x, " b"), which formats like `print`. */
  private template(t: Token): Term {
    const args: Term[] = [];
    for (const p of t.parts ?? []) {
      if ('lit' in p) {
        args.push({ t: 'val', v: p.lit, loc: t.loc });
        continue;
      }
      const sub = new ExprParser(lex(this.file, p.src, { row: p.row, col: p.col }), this.file);
      const e = sub.parseLiteral();
      if (sub.peek().kind !== 'eof')
        sub.fail(`unexpected ${sub.describe(sub.peek())} in template expression`);
      if (e.k !== 'term' || e.neg) {
        throw new PolicyError('rego_parse_error', 'template expressions must be terms', e.loc);
      }
      if (e.with.length === 0) {
        args.push(e.term);
        continue;
      }
      // `{x with input as v}` → `[t | t = x with input as v][0]`: the modifiers stay local.
      const v = mkVar(`$tmpl${this.i}_${args.length}`, t.loc);
      const body: Body = [
        { k: 'unify', a: v, b: e.term, neg: false, with: e.with, loc: t.loc, assign: false },
      ];
      args.push({
        t: 'ref',
        head: { t: 'acomp', head: v, body, loc: t.loc },
        path: [{ t: 'val', v: 0n, loc: t.loc }],
        loc: t.loc,
      });
    }
    return mkCall(TEMPLATE_STRING, args, t.loc);
  }

  private arrayLike(loc: Loc): Term {
    if (this.isPunct(']')) {
      this.next();
      return { t: 'arr', items: [], loc };
    }
    const first = this.withBar(false, () => this.parseExpr());
    if (this.isPunct('|')) {
      this.next();
      const body = this.flat(() => this.parseBodyUntil(']'));
      return { t: 'acomp', head: first, body, loc };
    }
    const items = [first, ...this.restItems(']')];
    return { t: 'arr', items, loc };
  }

  private restItems(close: string): Term[] {
    return this.withBar(true, () => this.restItems2(close));
  }

  private restItems2(close: string): Term[] {
    const items: Term[] = [];
    while (!this.isPunct(close)) {
      this.expect(',');
      if (this.isPunct(close)) break;
      items.push(this.parseExpr());
    }
    this.next();
    return items;
  }

  private braceLike(loc: Loc): Term {
    if (this.isPunct('}')) {
      this.next();
      return { t: 'obj', items: [], loc };
    }
    const first = this.withBar(false, () => this.parseExpr());
    if (this.isPunct('|')) {
      this.next();
      const body = this.flat(() => this.parseBodyUntil('}'));
      return { t: 'scomp', head: first, body, loc };
    }
    if (this.isPunct(':')) {
      this.next();
      const v = this.withBar(false, () => this.parseExpr());
      if (this.isPunct('|')) {
        this.next();
        const body = this.flat(() => this.parseBodyUntil('}'));
        return { t: 'ocomp', key: first, val: v, body, loc };
      }
      const items: [Term, Term][] = [[first, v]];
      while (!this.isPunct('}')) {
        this.expect(',');
        if (this.isPunct('}')) break;
        const k = this.parseExpr();
        this.expect(':');
        items.push([k, this.parseExpr()]);
      }
      this.next();
      return { t: 'obj', items, loc };
    }
    return { t: 'set', items: [first, ...this.restItems('}')], loc };
  }

  private postfix(term: Term): Term {
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || t.nl) return term;
      if (t.text === '.') {
        this.next();
        const id = this.next();
        if (id.kind !== 'ident') this.fail('expected a name after "."', id);
        term = this.appendRef(term, { t: 'val', v: id.text, loc: id.loc });
      } else if (t.text === '[' && term.t !== 'val') {
        this.next();
        const k = this.nested(() => this.parseExpr());
        this.expect(']');
        term = this.appendRef(term, k);
      } else if (t.text === '(' && (term.t === 'var' || term.t === 'ref')) {
        this.next();
        const args: Term[] = [];
        this.nested(() => {
          while (!this.isPunct(')')) {
            args.push(this.parseExpr());
            if (!this.isPunct(')')) this.expect(',');
          }
        });
        this.next();
        term = { t: 'call', fn: term, args, loc: term.loc };
      } else {
        return term;
      }
    }
  }

  private appendRef(term: Term, seg: Term): Term {
    if (term.t === 'ref') return { t: 'ref', head: term.head, path: [...term.path, seg], loc: term.loc };
    return { t: 'ref', head: term, path: [seg], loc: term.loc };
  }

  /** Parses literals up to (and consuming) the closing token. */
  parseBodyUntil(close: string): Body {
    const body: Body = [];
    for (;;) {
      while (this.isPunct(';')) this.next();
      if (this.isPunct(close)) {
        this.next();
        return body;
      }
      if (this.peek().kind === 'eof') this.fail(`expected ${close}`);
      if (body.length > 0 && !this.peek().nl && this.toks[this.i - 1]?.text !== ';') {
        this.fail(`unexpected ${this.describe(this.peek())}: expected ; or newline between expressions`);
      }
      body.push(this.parseLiteral());
    }
  }

  /** True when `t` (just consumed) is immediately followed by `.` or `[`: a keyword used as a ref head. */
  refFollows(t: Token): boolean {
    const n = this.peek();
    return n.kind === 'punct' && (n.text === '.' || n.text === '[') && n.pos === t.end;
  }

  /** One literal: some/every/not/expression with optional `with` modifiers. */
  parseLiteral(): Expr {
    const t = this.peek();
    const kw = t.kind === 'ident' && !this.refFollowsNext();
    if (kw && t.text === 'some') return this.parseSome();
    if (kw && t.text === 'every') return this.parseEvery(false);
    let neg = false;
    if (kw && t.text === 'not') {
      this.next();
      neg = true;
      if (this.is('every')) return this.parseEvery(true);
    }
    const a = this.parseExpr();
    let e: Expr;
    if ((this.isPunct(':=') || this.isPunct('=')) && !this.peek().nl) {
      const op = this.next();
      const b = this.parseExpr();
      e = { k: 'unify', a, b, neg, with: [], loc: op.loc, assign: op.text === ':=' };
    } else if (this.isPunct(',') && !this.peek().nl) {
      this.next();
      const v = this.parseExpr();
      if (v.t !== 'call' || v.fn.t !== 'ref' || !isMember2(v)) this.fail('expected "in" after "key, value"');
      e = {
        k: 'term',
        term: mkCall('internal.member_3', [a, v.args[0]!, v.args[1]!], t.loc),
        neg,
        with: [],
        loc: t.loc,
      };
    } else {
      e = { k: 'term', term: a, neg, with: [], loc: t.loc };
    }
    this.parseWith(e.with);
    return e;
  }

  private refFollowsNext(): boolean {
    const n = this.peek(1);
    return n.kind === 'punct' && (n.text === '.' || n.text === '[') && n.pos === this.peek().end;
  }

  /** True when the next token is keyword `word` used as a keyword (not as `word.x`). */
  isKeyword(word: string): boolean {
    return this.is(word) && !this.refFollowsNext();
  }

  private parseWith(out: With[]): void {
    // `with` cannot start an expression, so modifiers may continue on the following lines.
    while (this.isKeyword('with')) {
      const w = this.next();
      const target = this.parseTerm();
      this.expect('as');
      out.push({ target, value: this.parseExpr(), loc: w.loc });
    }
  }

  private parseSome(): Expr {
    const t = this.next();
    const first = this.parseRel();
    if (this.is('in')) {
      this.next();
      const e: Expr = { k: 'somein', key: null, val: first, coll: this.parseRel(), loc: t.loc, with: [] };
      this.parseWith(e.with);
      return e;
    }
    const vars = [first];
    while (this.isPunct(',')) {
      this.next();
      vars.push(this.parseRel());
    }
    if (this.is('in')) {
      this.next();
      if (vars.length !== 2) this.fail('expected "some key, value in collection"');
      const e: Expr = {
        k: 'somein',
        key: vars[0]!,
        val: vars[1]!,
        coll: this.parseRel(),
        loc: t.loc,
        with: [],
      };
      this.parseWith(e.with);
      return e;
    }
    for (const v of vars) if (v.t !== 'var') this.fail('expected a variable after "some"');
    return { k: 'some', vars, loc: t.loc };
  }

  private parseEvery(neg: boolean): Expr {
    const t = this.next();
    let key: Term | null = null;
    let val = this.parseTerm();
    if (this.isPunct(',')) {
      this.next();
      key = val;
      val = this.parseTerm();
    }
    this.expect('in');
    const coll = this.parseRel();
    this.expect('{');
    const body = this.flat(() => this.parseBodyUntil('}'));
    const e: Expr = { k: 'every', key, val, coll, body, loc: t.loc, neg, with: [] };
    this.parseWith(e.with);
    return e;
  }
}

function isMember2(t: Term): boolean {
  return (
    t.t === 'call' &&
    t.fn.t === 'ref' &&
    t.fn.head.t === 'var' &&
    t.fn.head.name === 'internal' &&
    t.fn.path[0]?.t === 'val' &&
    t.fn.path[0].v === 'member_2'
  );
}
