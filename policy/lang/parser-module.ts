import { parseAnnotations } from './annotations.js';
import type { Body, Import, Module, Rule, Term } from './ast.js';
import { checkSourceLimits, DEFAULT_SOURCE_LIMITS, lex, type SourceLimits } from './lexer.js';
import { ExprParser, mkVar } from './parser-expr.js';

/** How a module's syntax is chosen. */
export interface ParseOptions {
  /** Parse as Rego v0 (bodies without `if`, `p[x] { }` partial sets), like `opa --v0-compatible`. */
  readonly v0?: boolean;
  /** Source size limits; defaults to the kata-agent's. */
  readonly limits?: SourceLimits;
}

/** Parses one Rego module. */
export function parseModule(file: string, src: string, opts: ParseOptions = {}): Module {
  checkSourceLimits(file, src, opts.limits ?? DEFAULT_SOURCE_LIMITS);
  return new ModuleParser(lex(file, src), file, opts.v0 !== true).module();
}

/** Parses a standalone query (a body) such as `data.x.allow == true; y := 1`. */
export function parseQuery(src: string, file = 'query'): { body: Body; texts: string[] } {
  checkSourceLimits(file, src, DEFAULT_SOURCE_LIMITS);
  const p = new ModuleParser(lex(file, src), file, true);
  const texts: string[] = [];
  const body = p.query((a, b) => texts.push(src.slice(a, b)));
  return { body, texts };
}

class ModuleParser extends ExprParser {
  private mod!: Module;

  constructor(
    toks: ConstructorParameters<typeof ExprParser>[0],
    file: string,
    private v1: boolean,
  ) {
    super(toks, file);
  }

  query(span: (start: number, end: number) => void): Body {
    const body: Body = [];
    while (this.peek().kind !== 'eof') {
      while (this.isPunct(';')) this.next();
      if (this.peek().kind === 'eof') break;
      const start = this.peek().pos;
      body.push(this.parseLiteral());
      span(start, this.toks[this.i - 1]!.end);
    }
    if (body.length === 0) this.fail('empty query');
    return body;
  }

  module(): Module {
    const pkgTok = this.peek();
    this.expect('package');
    const pkgTerm = this.parseTerm();
    const pkg = refToPath(pkgTerm);
    if (pkg === null) this.fail('package must be a simple reference', this.toks[this.i - 1]);
    const imports: Import[] = [];
    this.mod = {
      file: this.file,
      pkg: pkg!,
      imports,
      rules: [],
      v1: this.v1,
      ...(pkgTok.meta === undefined
        ? {}
        : { annotations: parseAnnotations(pkgTok.meta, 'package', pkgTok.loc) }),
    };
    while (this.is('import')) {
      const t = this.next();
      const path = this.parseTerm();
      const segs = refToPath(path);
      if (segs === null) this.fail('import must be a simple reference', t);
      let alias = segs![segs!.length - 1]!;
      if (this.is('as')) {
        this.next();
        alias = this.next().text;
      }
      const head = segs![0];
      if (head === 'future' || head === 'rego') {
        if (head === 'rego' && segs![1] === 'v1') this.v1 = true;
        continue;
      }
      if (head !== 'data' && head !== 'input') this.fail('import must begin with data or input', t);
      imports.push({ path, alias, loc: t.loc });
    }
    (this.mod as { v1: boolean }).v1 = this.v1;
    while (this.peek().kind !== 'eof') this.mod.rules.push(this.rule());
    return this.mod;
  }

  private rule(): Rule {
    const start = this.peek();
    if (!start.nl) this.fail(`unexpected ${this.describe(start)}: rules must start on a new line`);
    let isDefault = false;
    if (this.isKeyword('default')) {
      this.next();
      isDefault = true;
    }
    const ref = this.headRef();
    let args: Term[] | null = null;
    if (this.isPunct('(') && !this.peek().nl) {
      this.next();
      args = [];
      while (!this.isPunct(')')) {
        args.push(this.parseExpr());
        if (!this.isPunct(')')) this.expect(',');
      }
      this.next();
    }
    let key: Term | null = null;
    let value: Term | null = null;
    let assign = false;
    if (this.is('contains') && !this.peek().nl) {
      this.next();
      key = this.parseExpr();
    } else if ((this.isPunct(':=') || this.isPunct('=')) && !this.peek().nl) {
      assign = this.next().text === ':=';
      value = this.parseExpr();
    }
    let kind: Rule['kind'] = args !== null ? 'func' : key !== null ? 'contains' : 'complete';
    if (kind === 'complete' && value === null && !this.v1 && ref.length === 2 && !isDefault) {
      // v0: `p[x] { ... }` is a partial set rule.
      kind = 'contains';
      key = ref.pop()!;
    }
    if (isDefault && value === null) this.fail('default rules must have a value', start);
    const body = isDefault ? [] : this.ruleBody(start);
    const tval: Term = value ?? { t: 'val', v: true, loc: start.loc };
    const rule: Rule = {
      kind,
      ref,
      args,
      key,
      value: tval,
      body,
      isDefault,
      elseRule: null,
      loc: start.loc,
      slots: 0,
      module: this.mod,
      assign,
      ...(start.meta === undefined ? {} : { annotations: parseAnnotations(start.meta, 'rule', start.loc) }),
    };
    if (this.isKeyword('else')) (rule as { elseRule: Rule | null }).elseRule = this.elseChain(rule);
    return rule;
  }

  private elseChain(parent: Rule): Rule {
    const t = this.next();
    let value: Term = { t: 'val', v: true, loc: t.loc };
    if ((this.isPunct(':=') || this.isPunct('=')) && !this.peek().nl) {
      this.next();
      value = this.parseExpr();
    }
    const body = this.ruleBody(t);
    const r: Rule = { ...parent, value, body, loc: t.loc, elseRule: null, isDefault: false };
    if (this.isKeyword('else')) (r as { elseRule: Rule | null }).elseRule = this.elseChain(parent);
    return r;
  }

  private ruleBody(start: ReturnType<ExprParser['peek']>): Body {
    if (this.is('if') && !this.peek().nl) {
      this.next();
      if (this.isPunct('{')) {
        // `if {x: 1 | ...}` may be a one-literal body holding a comprehension: try the block first.
        const save = this.i;
        try {
          this.next();
          return this.parseBodyUntil('}');
        } catch (err) {
          this.i = save;
          try {
            return [this.parseLiteral()];
          } catch {
            throw err;
          }
        }
      }
      return [this.parseLiteral()];
    }
    if (this.isPunct('{') && !this.peek().nl) {
      if (this.v1) this.fail('`if` keyword is required before rule body', this.peek());
      this.next();
      const b = this.parseBodyUntil('}');
      if (this.isPunct('{') && !this.peek().nl)
        this.fail('rules with multiple bodies are not supported', start);
      return b;
    }
    return [];
  }

  /** The rule's head reference, e.g. `p`, `p.q[x]`, `f`. */
  private headRef(): Term[] {
    const id = this.next();
    if (id.kind !== 'ident') this.fail(`unexpected ${this.describe(id)}: expected a rule name`, id);
    const ref: Term[] = [{ t: 'val', v: id.text, loc: id.loc }];
    for (;;) {
      if (this.isPunct('.') && !this.peek().nl) {
        this.next();
        const n = this.next();
        if (n.kind !== 'ident') this.fail('expected a name after "."', n);
        ref.push({ t: 'val', v: n.text, loc: n.loc });
      } else if (this.isPunct('[') && !this.peek().nl) {
        this.next();
        ref.push(this.parseExpr());
        this.expect(']');
      } else {
        return ref;
      }
    }
  }
}

/** The string path of a ground dotted ref (`data.a.b` → [data, a, b]); null when not simple. */
export function refToPath(t: Term): string[] | null {
  if (t.t === 'var') return [t.name];
  if (t.t !== 'ref' || t.head.t !== 'var') return null;
  const out = [t.head.name];
  for (const p of t.path) {
    if (p.t !== 'val' || typeof p.v !== 'string') return null;
    out.push(p.v);
  }
  return out;
}

export { mkVar };
