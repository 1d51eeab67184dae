/**
 * A subset of Go's text/template for `strings.render_template`, executed with
 * missing keys printed as `<undefined>` as OPA does: text and `{{ }}` actions with trim markers and comments,
 * `if / else if / else`, `range` (with `$i, $x :=`), `with`, variables, field chains,
 * parenthesised pipelines, `|` and the functions and/or/not/len/index/eq/ne/lt/le/gt/ge/
 * print/printf/println. Values print as Go's %v prints the decoded JSON.
 */
import { Dec, formatNumber, ObjectV, SetV, type Value } from '../value/index.js';
import { builtinErr } from './args.js';
import { goSprintf, toGoArg } from './lib-sprintf.js';

/** Deepest template nesting accepted, so a hostile template cannot exhaust the stack. */
export const MAX_TEMPLATE_DEPTH = 100;

type GoV = null | boolean | string | { n: string } | GoV[] | Map<string, GoV>;

type Node =
  | { t: 'text'; s: string }
  | { t: 'out'; p: Pipe; src: string }
  | { t: 'if' | 'with'; p: Pipe; body: Node[]; else: Node[] }
  | { t: 'range'; p: Pipe; vars: string[]; body: Node[]; else: Node[] };

interface Pipe {
  decl: string[];
  cmds: Arg[][];
}

type Arg =
  | { t: 'field'; base: Arg | null; path: string[]; src: string }
  | { t: 'var'; name: string }
  | { t: 'dot' }
  | { t: 'lit'; v: GoV }
  | { t: 'fn'; name: string }
  | { t: 'pipe'; p: Pipe };

class TplError extends Error {}

function toGo(v: Value): GoV {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return { n: v.toString() };
  if (v instanceof Dec) return { n: formatNumber(v) };
  if (Array.isArray(v)) return v.map(toGo);
  if (v instanceof SetV) return v.values().map(toGo);
  const m = new Map<string, GoV>();
  for (const [k, x] of (v as ObjectV).entries()) {
    if (typeof k !== 'string') throw new TplError('object keys must be strings');
    m.set(k, toGo(x));
  }
  return m;
}

/** The value of a missing map key, printed as OPA prints it. */
const UNDEF: GoV = { n: '<undefined>' };

function show(v: GoV | undefined): string {
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'boolean' || typeof v === 'string') return String(v);
  if (Array.isArray(v)) return `[${v.map(showInner).join(' ')}]`;
  if (v instanceof Map) {
    const keys = [...v.keys()].sort();
    return `map[${keys.map((k) => `${k}:${showInner(v.get(k))}`).join(' ')}]`;
  }
  return v.n;
}

function showInner(v: GoV | undefined): string {
  return v === null || v === undefined ? '<nil>' : show(v);
}

function truth(v: GoV | undefined): boolean {
  if (v === undefined || v === null || v === false || v === '') return false;
  if (v === UNDEF) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (typeof v === 'object' && 'n' in v) return Number(v.n) !== 0;
  return true;
}

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(\$[A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+)*)|((?:\.[A-Za-z0-9_]+)+|\.)|([A-Za-z_][A-Za-z0-9_]*)|(:=|=|\||\(|\)|,))/y;

class Parser {
  private toks: string[] = [];
  private i = 0;

  parseAction(src: string): string[] {
    this.toks = [];
    TOKEN.lastIndex = 0;
    let pos = 0;
    while (pos < src.length) {
      if (/^\s*$/.test(src.slice(pos))) break;
      TOKEN.lastIndex = pos;
      const m = TOKEN.exec(src);
      if (m === null) throw new TplError(`unexpected "${src.slice(pos).trim()[0]}" in command`);
      this.toks.push(m[0].trim());
      pos = TOKEN.lastIndex;
    }
    this.i = 0;
    return this.toks;
  }

  pipe(): Pipe {
    const decl: string[] = [];
    const save = this.i;
    while (this.toks[this.i]?.startsWith('$') && /^\$\w*$/.test(this.toks[this.i]!)) {
      decl.push(this.toks[this.i++]!);
      if (this.toks[this.i] === ',') {
        this.i++;
        continue;
      }
      break;
    }
    if (decl.length > 0 && (this.toks[this.i] === ':=' || this.toks[this.i] === '=')) this.i++;
    else {
      decl.length = 0;
      this.i = save;
    }
    const cmds: Arg[][] = [];
    let cmd: Arg[] = [];
    while (this.i < this.toks.length && this.toks[this.i] !== ')') {
      const t = this.toks[this.i++]!;
      if (t === '|') {
        if (cmd.length === 0) throw new TplError('missing command');
        cmds.push(cmd);
        cmd = [];
        continue;
      }
      cmd.push(this.operand(t));
    }
    if (cmd.length === 0) throw new TplError('missing value for command');
    cmds.push(cmd);
    return { decl, cmds };
  }

  private operand(t: string): Arg {
    if (t === '(') {
      const p = this.pipe();
      if (this.toks[this.i++] !== ')') throw new TplError('unclosed left paren');
      const next = this.toks[this.i];
      if (next?.startsWith('.') && next !== '.') {
        this.i++;
        return { t: 'field', base: { t: 'pipe', p }, path: next.slice(1).split('.'), src: next };
      }
      return { t: 'pipe', p };
    }
    if (t === '.') return { t: 'dot' };
    if (t.startsWith('.')) return { t: 'field', base: null, path: t.slice(1).split('.'), src: t };
    if (t.startsWith('$')) {
      const dot = t.indexOf('.');
      if (dot < 0) return { t: 'var', name: t };
      return {
        t: 'field',
        base: { t: 'var', name: t.slice(0, dot) },
        path: t.slice(dot + 1).split('.'),
        src: t,
      };
    }
    if (t.startsWith('"')) return { t: 'lit', v: JSON.parse(t) as string };
    if (t.startsWith('`')) return { t: 'lit', v: t.slice(1, -1) };
    if (/^-?\d/.test(t)) return { t: 'lit', v: { n: t } };
    if (t === 'true' || t === 'false') return { t: 'lit', v: t === 'true' };
    if (t === 'nil') return { t: 'lit', v: null };
    return { t: 'fn', name: t };
  }
}

function parseTemplate(src: string): Node[] {
  const parser = new Parser();
  const root: Node[] = [];
  const stack: {
    nodes: Node[];
    owner: Exclude<Node, { t: 'text' | 'out' }> | null;
    inElse: boolean;
    chain: number;
  }[] = [{ nodes: root, owner: null, inElse: false, chain: 0 }];
  let pos = 0;
  let trimNext = false;
  const top = () => stack[stack.length - 1]!;
  while (pos <= src.length) {
    const open = src.indexOf('{{', pos);
    let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      if (text !== '') top().nodes.push({ t: 'text', s: text });
      break;
    }
    const close = src.indexOf('}}', open + 2);
    if (close < 0) throw new TplError('unclosed action');
    let body = src.slice(open + 2, close);
    if (/^-\s/.test(body)) {
      text = text.replace(/\s+$/, '');
      body = body.slice(1);
    }
    trimNext = /\s-$/.test(body);
    if (trimNext) body = body.slice(0, -1);
    if (text !== '') top().nodes.push({ t: 'text', s: text });
    pos = close + 2;
    body = body.trim();
    if (body.startsWith('/*')) continue;
    const toks = parser.parseAction(body);
    const kw = toks[0];
    if (kw === 'if' || kw === 'with' || kw === 'range') {
      parser.parseAction(body.slice(kw.length));
      const p = parser.pipe();
      const node: Exclude<Node, { t: 'text' | 'out' }> =
        kw === 'range'
          ? { t: 'range', p: { decl: [], cmds: p.cmds }, vars: p.decl, body: [], else: [] }
          : { t: kw, p, body: [], else: [] };
      top().nodes.push(node);
      if (stack.length > MAX_TEMPLATE_DEPTH) throw new TplError('template nested too deeply');
      stack.push({ nodes: node.t === 'range' ? node.body : node.body, owner: node, inElse: false, chain: 0 });
    } else if (kw === 'else') {
      const f = top();
      if (f.owner === null || f.inElse) throw new TplError('unexpected {{else}}');
      f.inElse = true;
      f.nodes = f.owner.else;
      if (toks[1] === 'if' || toks[1] === 'with') {
        parser.parseAction(body.slice(body.indexOf(toks[1]) + toks[1].length));
        const node: Exclude<Node, { t: 'text' | 'out' | 'range' }> = {
          t: toks[1],
          p: parser.pipe(),
          body: [],
          else: [],
        };
        f.nodes.push(node);
        stack.push({ nodes: node.body, owner: node, inElse: false, chain: f.chain + 1 });
      }
    } else if (kw === 'end') {
      if (stack.length === 1) throw new TplError('unexpected {{end}}');
      let f = stack.pop()!;
      while (f.chain > 0) f = stack.pop()!;
    } else if (
      kw === 'define' ||
      kw === 'template' ||
      kw === 'block' ||
      kw === 'break' ||
      kw === 'continue'
    ) {
      throw new TplError(`{{${kw}}} is not supported`);
    } else {
      top().nodes.push({ t: 'out', p: parser.pipe(), src: body });
    }
  }
  if (stack.length !== 1) throw new TplError('unexpected EOF');
  return root;
}

class Exec {
  out = '';
  constructor(
    private readonly vars: Map<string, GoV | undefined>[],
    private readonly tick: (steps: number) => void,
  ) {}

  lookup(name: string): GoV | undefined {
    for (let i = this.vars.length - 1; i >= 0; i--)
      if (this.vars[i]!.has(name)) return this.vars[i]!.get(name);
    throw new TplError(`undefined variable: ${name}`);
  }

  run(nodes: readonly Node[], dot: GoV | undefined): void {
    for (const n of nodes) {
      // Nested ranges multiply: every executed node is charged to the evaluation budget.
      this.tick(1);
      switch (n.t) {
        case 'text':
          this.out += n.s;
          break;
        case 'out': {
          const v = this.pipe(n.p, dot);
          if (n.p.decl.length === 0) this.out += show(v);
          break;
        }
        case 'if':
        case 'with': {
          const v = this.pipe(n.p, dot);
          this.vars.push(new Map());
          if (truth(v)) this.run(n.body, n.t === 'with' ? v : dot);
          else this.run(n.else, dot);
          this.vars.pop();
          break;
        }
        case 'range': {
          const v = this.pipe(n.p, dot);
          const items: [GoV, GoV | undefined][] = [];
          if (Array.isArray(v)) for (let i = 0; i < v.length; i++) items.push([{ n: String(i) }, v[i]!]);
          else if (v instanceof Map) for (const k of [...v.keys()].sort()) items.push([k, v.get(k)]);
          else if (v !== null && v !== undefined) throw new TplError(`range can't iterate over ${show(v)}`);
          if (items.length === 0) this.run(n.else, dot);
          for (const [k, x] of items) {
            const scope = new Map<string, GoV | undefined>();
            if (n.vars.length === 1) scope.set(n.vars[0]!, x);
            if (n.vars.length === 2) {
              scope.set(n.vars[0]!, k);
              scope.set(n.vars[1]!, x);
            }
            this.vars.push(scope);
            this.run(n.body, x);
            this.vars.pop();
          }
          break;
        }
      }
    }
  }

  pipe(p: Pipe, dot: GoV | undefined): GoV | undefined {
    let prev: GoV | undefined;
    let first = true;
    for (const cmd of p.cmds) {
      prev = this.command(cmd, dot, first ? [] : [prev]);
      first = false;
    }
    for (const d of p.decl) this.vars[this.vars.length - 1]!.set(d, prev);
    return prev;
  }

  command(cmd: readonly Arg[], dot: GoV | undefined, extra: (GoV | undefined)[]): GoV | undefined {
    const head = cmd[0]!;
    if (head.t === 'fn') {
      const args = cmd.slice(1).map((a) => this.arg(a, dot));
      return callFn(head.name, [...args, ...extra]);
    }
    if (cmd.length > 1 || extra.length > 0) throw new TplError(`can't give argument to non-function`);
    return this.arg(head, dot);
  }

  arg(a: Arg, dot: GoV | undefined): GoV | undefined {
    switch (a.t) {
      case 'dot':
        return dot;
      case 'lit':
        return a.v;
      case 'var':
        return this.lookup(a.name);
      case 'pipe':
        return this.pipe(a.p, dot);
      case 'fn':
        return callFn(a.name, []);
      case 'field': {
        let v = a.base === null ? dot : this.arg(a.base, dot);
        for (const k of a.path) {
          if (v === UNDEF) return UNDEF;
          if (v instanceof Map) {
            // OPA renders a missing key as <undefined> rather than failing.
            if (!v.has(k)) return UNDEF;
            v = v.get(k);
          } else if (v === null || v === undefined) {
            throw new TplError(
              `executing "template" at <${a.src}>: nil pointer evaluating interface {}.${k}`,
            );
          } else {
            throw new TplError(`executing "template" at <${a.src}>: can't evaluate field ${k}`);
          }
        }
        return v;
      }
    }
  }
}

function cmp(a: GoV | undefined, b: GoV | undefined): number {
  if (typeof a === 'object' && a !== null && 'n' in a && typeof b === 'object' && b !== null && 'n' in b) {
    return Math.sign(Number(a.n) - Number(b.n));
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : Number.NaN;
  throw new TplError('incompatible types for comparison');
}

function callFn(name: string, args: (GoV | undefined)[]): GoV | undefined {
  const need = (n: number) => {
    if (args.length < n) throw new TplError(`wrong number of args for ${name}: want ${n} got ${args.length}`);
  };
  switch (name) {
    case 'and': {
      need(1);
      for (const a of args) if (!truth(a)) return a as GoV;
      return args[args.length - 1] as GoV;
    }
    case 'or': {
      need(1);
      for (const a of args) if (truth(a)) return a as GoV;
      return args[args.length - 1] as GoV;
    }
    case 'not':
      need(1);
      return !truth(args[0]);
    case 'len': {
      need(1);
      const v = args[0];
      if (typeof v === 'string') return { n: String(Buffer.byteLength(v)) };
      if (Array.isArray(v)) return { n: String(v.length) };
      if (v instanceof Map) return { n: String(v.size) };
      throw new TplError(`error calling len: len of type ${typeof v}`);
    }
    case 'index': {
      need(1);
      let v = args[0];
      for (const k of args.slice(1)) {
        if (Array.isArray(v) && typeof k === 'object' && k !== null && 'n' in k) v = v[Number(k.n)];
        else if (v instanceof Map && typeof k === 'string') v = v.get(k);
        else throw new TplError('error calling index: cannot index');
        if (v === undefined) throw new TplError('error calling index: index out of range');
      }
      return v;
    }
    case 'eq':
      need(2);
      return args.slice(1).some((b) => cmp(args[0], b) === 0);
    case 'ne':
      need(2);
      return cmp(args[0], args[1]) !== 0;
    case 'lt':
      need(2);
      return cmp(args[0], args[1]) < 0;
    case 'le':
      need(2);
      return cmp(args[0], args[1]) <= 0;
    case 'gt':
      need(2);
      return cmp(args[0], args[1]) > 0;
    case 'ge':
      need(2);
      return cmp(args[0], args[1]) >= 0;
    case 'print':
    case 'println': {
      // fmt.Sprint adds spaces between operands when neither is a string.
      let s = '';
      args.forEach((a, i) => {
        if (i > 0 && (name === 'println' || (typeof a !== 'string' && typeof args[i - 1] !== 'string')))
          s += ' ';
        s += show(a);
      });
      return name === 'println' ? `${s}\n` : s;
    }
    case 'printf': {
      need(1);
      if (typeof args[0] !== 'string') throw new TplError('printf format must be a string');
      const goArgs = args.slice(1).map((a) => toGoArg(fromGo(a)));
      return goSprintf(args[0], goArgs);
    }
    default:
      throw new TplError(`function "${name}" not defined`);
  }
}

function fromGo(v: GoV | undefined): Value {
  if (v === undefined || v === null || typeof v === 'boolean' || typeof v === 'string') return v ?? null;
  if (Array.isArray(v)) return v.map(fromGo);
  if (v instanceof Map) return ObjectV.from([...v].map(([k, x]) => [k, fromGo(x)] as const));
  return /^-?\d+$/.test(v.n) ? BigInt(v.n) : v.n;
}

/** Renders a Go text/template with the object's fields as data; errors are builtin errors. */
export function renderTemplate(
  name: string,
  src: string,
  vars: ObjectV,
  tick: (steps: number) => void,
): string {
  try {
    const nodes = parseTemplate(src);
    const data = toGo(vars);
    const ex = new Exec([new Map([['$', data]])], tick);
    ex.run(nodes, data);
    return ex.out;
  } catch (e) {
    if (e instanceof TplError) throw builtinErr(name, `template: template: ${e.message}`);
    throw e;
  }
}
