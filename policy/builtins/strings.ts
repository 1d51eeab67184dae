import { SetV, type Value } from '../value/index.js';
import { builtinErr } from './args.js';
import {
  intOp,
  numOp,
  objOp,
  operandEnumErr,
  operandErr,
  operandTypeErr,
  stringsOf,
  strOp,
} from './lib-operand.js';
import { goSprintf, toGoArg } from './lib-sprintf.js';
import { goLower, goTrimSpace, goUpper, runeIndexOf, trimSet } from './lib-strings.js';
import { renderTemplate } from './lib-template.js';
import type { BuiltinContext, BuiltinRegistry } from './registry.js';

/** Longest string a string builtin may build (replace, sprintf, concat), so output stays bounded. */
export const MAX_STRING_OUTPUT = 64 * 1024 * 1024;

/** Longest `replace` subject (and result) whose result is remembered across evaluations. */
export const REPLACE_MEMO_MAX_CHARS = 1024;
/** Results `replace` remembers across evaluations; past this it forgets them all. */
export const REPLACE_MEMO_SIZE = 4096;

const replaceMemo = new Map<string, Map<string, Map<string, string>>>();
let replaceMemoCount = 0;

/** Longest `split` subject whose result is remembered across evaluations. */
export const SPLIT_MEMO_MAX_CHARS = 1024;
/**
 * Results `split` remembers across evaluations; past this it forgets them all. Kata's rules
 * split the same environment variables and policy values on every exec, up to ten times each.
 */
export const SPLIT_MEMO_SIZE = 4096;

const splitMemo = new Map<string, Map<string, readonly string[]>>();
let splitMemoCount = 0;

/**
 * `replace` with its results remembered: Kata's rules rebuild the same patterns from policy
 * data on every request (`replace(p_regex, "$(ipv4_a)", …)` four times over, then
 * `regex.match`). Returning the same string object each time spares the work and, as V8 keeps a
 * string's hash in the string, every later Map lookup keyed by it (the regex cache among them).
 */
function memoReplace(s: string, old: string, nw: string): string {
  if (s.length > REPLACE_MEMO_MAX_CHARS) return goReplace('replace', s, [[old, nw]]);
  let byOld = replaceMemo.get(s);
  const hit = byOld?.get(old)?.get(nw);
  if (hit !== undefined) return hit;
  const out = goReplace('replace', s, [[old, nw]]);
  if (out.length > REPLACE_MEMO_MAX_CHARS) return out;
  if (replaceMemoCount >= REPLACE_MEMO_SIZE) {
    replaceMemo.clear();
    replaceMemoCount = 0;
    byOld = undefined;
  }
  if (byOld === undefined) replaceMemo.set(s, (byOld = new Map()));
  let byNew = byOld.get(old);
  if (byNew === undefined) byOld.set(old, (byNew = new Map()));
  byNew.set(nw, out);
  replaceMemoCount++;
  return out;
}

function bounded(name: string, s: string, ctx: BuiltinContext): string {
  if (s.length > MAX_STRING_OUTPUT) throw builtinErr(name, `result exceeds ${MAX_STRING_OUTPUT} characters`);
  ctx.tick(Math.ceil(s.length / 64));
  return s;
}

/**
 * Go's strings.NewReplacer(pairs...).Replace(s): at each position the first pair (in argument
 * order) whose old string matches wins; an empty old string matches between characters, but
 * not twice in a row.
 */
export function goReplace(name: string, s: string, pairs: readonly (readonly [string, string])[]): string {
  const only = pairs.length === 1 ? pairs[0] : undefined;
  if (only !== undefined && only[0] !== '') {
    // One non-empty old string: leftmost, non-overlapping matches, which is what split/join
    // does, without a per-character scan (Kata's rules call replace on every env variable).
    if (!s.includes(only[0])) return s;
    const out = s.split(only[0]).join(only[1]);
    if (out.length > MAX_STRING_OUTPUT)
      throw builtinErr(name, `result exceeds ${MAX_STRING_OUTPUT} characters`);
    return out;
  }
  let out = '';
  let last = 0;
  let prevEmpty = false;
  for (let i = 0; i <= s.length; ) {
    let hit: readonly [string, string] | undefined;
    for (const p of pairs) {
      if (p[0] === '' && prevEmpty) continue;
      if (s.startsWith(p[0], i)) {
        hit = p;
        break;
      }
    }
    if (hit !== undefined) {
      out += s.slice(last, i) + hit[1];
      if (out.length > MAX_STRING_OUTPUT)
        throw builtinErr(name, `result exceeds ${MAX_STRING_OUTPUT} characters`);
      prevEmpty = hit[0] === '';
      i += hit[0].length;
      last = i;
      continue;
    }
    prevEmpty = false;
    const c = s.codePointAt(i);
    i += c !== undefined && c > 0xffff ? 2 : 1;
  }
  return out + s.slice(last);
}

function formatInt(args: readonly Value[]): Value {
  const n = numOp('format_int', args, 1);
  const base = numOp('format_int', args, 2);
  const b = typeof base === 'bigint' ? Number(base) : 0;
  if (b !== 2 && b !== 8 && b !== 10 && b !== 16) throw operandEnumErr('format_int', 2, '2', '8', '10', '16');
  // OPA truncates toward zero through a big.Float.
  let i: bigint;
  if (typeof n === 'bigint') i = n;
  else {
    const p = 10n ** BigInt(n.s);
    i = n.m / p;
  }
  return i.toString(b);
}

function concat(args: readonly Value[], ctx: BuiltinContext): Value {
  const sep = strOp('concat', args, 1);
  const v = args[1]!;
  if (!Array.isArray(v) && !(v instanceof SetV)) {
    throw operandTypeErr('concat', 2, v, 'set', 'array');
  }
  return bounded('concat', stringsOf('concat', v, 2).join(sep), ctx);
}

function substring(args: readonly Value[]): Value {
  const s = strOp('substring', args, 1);
  const start = intOp('substring', args, 2);
  const len = intOp('substring', args, 3);
  if (start < 0n) throw builtinErr('substring', 'negative offset');
  const runes = [...s];
  if (start >= BigInt(runes.length)) return '';
  const st = Number(start);
  if (len < 0n) return runes.slice(st).join('');
  const end = BigInt(st) + len > BigInt(runes.length) ? runes.length : st + Number(len);
  return runes.slice(st, end).join('');
}

function indexOfN(args: readonly Value[]): Value {
  const s = strOp('indexof_n', args, 1);
  const sub = strOp('indexof_n', args, 2);
  if (sub === '') throw builtinErr('indexof_n', 'empty search character');
  const out: Value[] = [];
  let cp = 0;
  for (let i = 0; i < s.length; ) {
    if (s.startsWith(sub, i)) out.push(BigInt(cp));
    const c = s.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
    cp++;
  }
  return out;
}

function split(args: readonly Value[]): Value {
  const s = strOp('split', args, 1);
  const d = strOp('split', args, 2);
  if (s.length > SPLIT_MEMO_MAX_CHARS) return d === '' ? [...s] : s.split(d);
  let byDelimiter = splitMemo.get(s);
  const hit = byDelimiter?.get(d);
  if (hit !== undefined) return hit;
  // Frozen: the array is handed to every later evaluation that splits the same string, and
  // values are never modified, so a write would be a bug that must not go unnoticed.
  const out = Object.freeze(d === '' ? [...s] : s.split(d));
  if (splitMemoCount >= SPLIT_MEMO_SIZE) {
    splitMemo.clear();
    splitMemoCount = 0;
    byDelimiter = undefined;
  }
  if (byDelimiter === undefined) splitMemo.set(s, (byDelimiter = new Map()));
  byDelimiter.set(d, out);
  splitMemoCount++;
  return out;
}

function count(args: readonly Value[]): Value {
  const s = strOp('strings.count', args, 1);
  const sub = strOp('strings.count', args, 2);
  if (sub === '') return BigInt([...s].length + 1);
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
  return BigInt(n);
}

function replaceN(args: readonly Value[], ctx: BuiltinContext): Value {
  const patterns = objOp('strings.replace_n', args, 1);
  const s = strOp('strings.replace_n', args, 2);
  const pairs: [string, string][] = [];
  for (const [k, v] of patterns.entries()) {
    if (typeof k !== 'string')
      throw operandErr('strings.replace_n', 1, 'non-string key found in pattern object');
    if (typeof v !== 'string')
      throw operandErr('strings.replace_n', 1, 'non-string value found in pattern object');
    pairs.push([k, v]);
  }
  return bounded('strings.replace_n', goReplace('strings.replace_n', s, pairs), ctx);
}

function anyMatch(name: string, suffix: boolean) {
  return (args: readonly Value[]): Value => {
    const list = (v: Value, pos: number): string[] => {
      if (typeof v === 'string') return [v];
      if (!Array.isArray(v) && !(v instanceof SetV)) {
        throw operandTypeErr(name, pos, v, 'string', 'set', 'array');
      }
      return stringsOf(name, v, pos);
    };
    const strs = list(args[0]!, 1);
    const fixes = list(args[1]!, 2);
    for (const s of strs) {
      for (const p of fixes) if (suffix ? s.endsWith(p) : s.startsWith(p)) return true;
    }
    return false;
  };
}

function sprintf(args: readonly Value[], ctx: BuiltinContext): Value {
  const f = strOp('sprintf', args, 1);
  const a = args[1]!;
  if (!Array.isArray(a)) throw operandTypeErr('sprintf', 2, a, 'array');
  return bounded('sprintf', goSprintf(f, a.map(toGoArg)), ctx);
}

function two(name: string, f: (a: string, b: string) => Value) {
  return (args: readonly Value[]): Value => f(strOp(name, args, 1), strOp(name, args, 2));
}

/** Registers the string builtins (`sprintf`, `concat`, `trim*`, `strings.*`, ...). */
export function registerStrings(r: BuiltinRegistry): void {
  r.register({ name: 'format_int', arity: 2, impl: formatInt });
  r.register({ name: 'concat', arity: 2, impl: concat });
  r.register({
    name: 'indexof',
    arity: 2,
    impl: (args) => {
      const s = strOp('indexof', args, 1);
      const sub = strOp('indexof', args, 2);
      if (sub === '') throw builtinErr('indexof', 'empty search character');
      return BigInt(runeIndexOf(s, sub));
    },
  });
  r.register({ name: 'indexof_n', arity: 2, impl: indexOfN });
  r.register({ name: 'substring', arity: 3, impl: substring });
  r.register({ name: 'contains', arity: 2, impl: two('contains', (a, b) => a.includes(b)) });
  r.register({ name: 'strings.count', arity: 2, impl: count });
  r.register({ name: 'startswith', arity: 2, impl: two('startswith', (a, b) => a.startsWith(b)) });
  r.register({ name: 'endswith', arity: 2, impl: two('endswith', (a, b) => a.endsWith(b)) });
  r.register({ name: 'lower', arity: 1, impl: (args) => goLower(strOp('lower', args, 1)) });
  r.register({ name: 'upper', arity: 1, impl: (args) => goUpper(strOp('upper', args, 1)) });
  r.register({ name: 'split', arity: 2, impl: split });
  r.register({
    name: 'replace',
    arity: 3,
    impl: (args, ctx) => {
      const s = strOp('replace', args, 1);
      const old = strOp('replace', args, 2);
      const nw = strOp('replace', args, 3);
      return bounded('replace', memoReplace(s, old, nw), ctx);
    },
  });
  r.register({ name: 'strings.replace_n', arity: 2, impl: replaceN });
  r.register({ name: 'trim', arity: 2, impl: two('trim', (s, c) => trimSet(s, c, true, true)) });
  r.register({ name: 'trim_left', arity: 2, impl: two('trim_left', (s, c) => trimSet(s, c, true, false)) });
  r.register({ name: 'trim_right', arity: 2, impl: two('trim_right', (s, c) => trimSet(s, c, false, true)) });
  r.register({
    name: 'trim_prefix',
    arity: 2,
    impl: two('trim_prefix', (s, p) => (s.startsWith(p) ? s.slice(p.length) : s)),
  });
  r.register({
    name: 'trim_suffix',
    arity: 2,
    impl: two('trim_suffix', (s, p) => (p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s)),
  });
  r.register({ name: 'trim_space', arity: 1, impl: (args) => goTrimSpace(strOp('trim_space', args, 1)) });
  r.register({ name: 'sprintf', arity: 2, impl: sprintf });
  r.register({
    name: 'strings.any_prefix_match',
    arity: 2,
    impl: anyMatch('strings.any_prefix_match', false),
  });
  r.register({
    name: 'strings.any_suffix_match',
    arity: 2,
    impl: anyMatch('strings.any_suffix_match', true),
  });
  r.register({
    name: 'strings.reverse',
    arity: 1,
    impl: (args) => [...strOp('strings.reverse', args, 1)].reverse().join(''),
  });
  r.register({
    name: 'strings.render_template',
    arity: 2,
    impl: (args, ctx) => {
      const t = strOp('strings.render_template', args, 1);
      const vars = objOp('strings.render_template', args, 2);
      return bounded(
        'strings.render_template',
        renderTemplate('strings.render_template', t, vars, (n) => ctx.tick(n)),
        ctx,
      );
    },
  });
}
