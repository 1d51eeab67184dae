import type { Value } from '../value/index.js';
import { builtinErr } from './args.js';
import { GlobxError, globsIntersect } from './lib-globx.js';
import { needsGuard, runRegex } from './lib-guard.js';
import { intOp, strOp } from './lib-operand.js';
import { compileRe2, type Re2, Re2Error } from './lib-re2.js';
import type { BuiltinContext, BuiltinRegistry } from './registry.js';

/** Compiled patterns kept per evaluation; beyond this the cache is cleared. */
export const REGEX_CACHE_SIZE = 256;

const shared = new Map<string, Re2 | Re2Error>();

/** Compiles a Go regexp (cached per evaluation and process-wide); invalid patterns are builtin errors. */
export function getRegexp(name: string, pattern: string, ctx: BuiltinContext | null): Re2 {
  // The process-wide cache first, keyed by the pattern itself: building a prefixed key would
  // make a fresh string, and hashing it, on every match.
  let r = shared.get(pattern);
  if (r !== undefined) {
    if (r instanceof Re2Error) throw builtinErr(name, r.message);
    return r;
  }
  const key = `re2:${pattern}`;
  r = ctx?.cache.get(key) as Re2 | Re2Error | undefined;
  if (r === undefined) {
    try {
      r = compileRe2(pattern);
    } catch (e) {
      if (!(e instanceof Re2Error)) throw e;
      r = e;
    }
    if (shared.size >= REGEX_CACHE_SIZE) shared.clear();
    shared.set(pattern, r);
  }
  ctx?.cache.set(key, r);
  if (r instanceof Re2Error) throw builtinErr(name, r.message);
  return r;
}

function testGuarded(name: string, r: Re2, s: string, ctx: BuiltinContext): boolean {
  return runRegex(name, r, s, ctx, () => {
    r.re.lastIndex = 0;
    return r.re.test(s);
  });
}

/** Go's allMatches: every match (at most `n` when n >= 0), skipping empty matches that abut a previous match. */
export function* goMatches(re: RegExp, s: string, n: number): Generator<RegExpExecArray> {
  let pos = 0;
  let prevEnd = -1;
  let count = 0;
  while ((n < 0 || count < n) && pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (m === null) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === start) {
      if (start === prevEnd) accept = false;
      const c = s.codePointAt(start);
      pos = start + (c !== undefined && c > 0xffff ? 2 : 1);
    } else pos = end;
    prevEnd = end;
    if (accept) {
      count++;
      yield m;
    }
  }
}

/** Go's Regexp.Expand for one match: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
export function goExpand(template: string, m: RegExpExecArray, names: readonly string[]): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const d = template.indexOf('$', i);
    if (d < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, d);
    i = d + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const ref = /^(?:\{([\p{L}\p{N}_]+)\}|([\p{L}\p{N}_]+))/u.exec(template.slice(i));
    if (ref === null) {
      out += '$';
      continue;
    }
    i += ref[0].length;
    const name = ref[1] ?? ref[2]!;
    let idx = -1;
    if (/^\d+$/.test(name)) idx = Number(name);
    else idx = names.indexOf(name);
    if (idx >= 0 && idx < m.length) out += m[idx] ?? '';
  }
  return out;
}

function split(args: readonly Value[], ctx: BuiltinContext): Value {
  const r = getRegexp('regex.split', strOp('regex.split', args, 1), ctx);
  const s = strOp('regex.split', args, 2);
  return runRegex('regex.split', r, s, ctx, () => splitWith(r.re, s));
}

function splitWith(re: RegExp, s: string): Value {
  if (s === '' && re.source !== '(?:)') return [''];
  const parts: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of goMatches(re, s, -1)) {
    end = m.index;
    if (m.index + m[0].length !== 0) parts.push(s.slice(beg, end));
    beg = m.index + m[0].length;
  }
  if (end !== s.length) parts.push(s.slice(beg));
  return parts;
}

function replace(args: readonly Value[], ctx: BuiltinContext): Value {
  const s = strOp('regex.replace', args, 1);
  const r = getRegexp('regex.replace', strOp('regex.replace', args, 2), ctx);
  const tpl = strOp('regex.replace', args, 3);
  return runRegex('regex.replace', r, s, ctx, () => replaceWith(r, s, tpl, ctx));
}

function replaceWith({ re, names }: Re2, s: string, tpl: string, ctx: BuiltinContext): string {
  let out = '';
  let last = 0;
  for (const m of goMatches(re, s, -1)) {
    out += s.slice(last, m.index) + goExpand(tpl, m, names);
    last = m.index + m[0].length;
    ctx.tick(1);
  }
  return out + s.slice(last);
}

function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function templateMatch(args: readonly Value[], ctx: BuiltinContext): Value {
  const name = 'regex.template_match';
  const tpl = strOp(name, args, 1);
  const value = strOp(name, args, 2);
  const start = strOp(name, args, 3);
  const end = strOp(name, args, 4);
  const sl = Buffer.byteLength(start);
  if (sl !== 1)
    throw builtinErr(name, `start delimiter has to be exactly one character long but is ${sl} long`);
  if (Buffer.byteLength(end) !== 1) {
    throw builtinErr(name, `end delimiter has to be exactly one character long but is ${sl} long`);
  }
  let level = 0;
  let idx = 0;
  const idxs: number[] = [];
  for (let i = 0; i < tpl.length; i++) {
    if (tpl[i] === start) {
      if (++level === 1) idx = i;
    } else if (tpl[i] === end) {
      if (--level === 0) idxs.push(idx, i + 1);
      else if (level < 0) throw builtinErr(name, `unbalanced braces in ${JSON.stringify(tpl)}`);
    }
  }
  if (level !== 0) throw builtinErr(name, `unbalanced braces in ${JSON.stringify(tpl)}`);
  let pattern = '^';
  let last = 0;
  for (let i = 0; i < idxs.length; i += 2) {
    const raw = tpl.slice(last, idxs[i]);
    last = idxs[i + 1]!;
    const patt = tpl.slice(idxs[i]! + 1, last - 1);
    getRegexp(name, `^${patt}$`, ctx);
    pattern += `${quoteMeta(raw)}(${patt})`;
  }
  pattern += `${quoteMeta(tpl.slice(last))}$`;
  const r = getRegexp(name, pattern, ctx);
  return runRegex(name, r, value, ctx, () => {
    r.re.lastIndex = 0;
    return r.re.test(value);
  });
}

/** Registers `regex.*` (and the deprecated `re_match`). */
export function registerRegex(r: BuiltinRegistry): void {
  r.register({
    name: 'regex.is_valid',
    arity: 1,
    impl: (args) => {
      const p = args[0];
      if (typeof p !== 'string') return false;
      try {
        compileRe2(p);
        return true;
      } catch {
        return false;
      }
    },
  });
  // The unguarded test is made here, without a closure: Kata's rules match every environment
  // variable against a dozen patterns per exec.
  const match = (name: string) => (args: readonly Value[], ctx: BuiltinContext) => {
    const r = getRegexp(name, strOp(name, args, 1), ctx);
    const s = strOp(name, args, 2);
    if (needsGuard(r, s)) return testGuarded(name, r, s, ctx);
    r.re.lastIndex = 0;
    return r.re.test(s);
  };
  r.register({ name: 'regex.match', arity: 2, impl: match('regex.match') });
  r.register({ name: 're_match', arity: 2, impl: match('re_match') });
  r.register({ name: 'regex.split', arity: 2, impl: split });
  r.register({ name: 'regex.replace', arity: 3, impl: replace });
  r.register({ name: 'regex.template_match', arity: 4, impl: templateMatch });
  r.register({
    name: 'regex.find_n',
    arity: 3,
    impl: (args, ctx) => {
      const r = getRegexp('regex.find_n', strOp('regex.find_n', args, 1), ctx);
      const s = strOp('regex.find_n', args, 2);
      const n = intOp('regex.find_n', args, 3);
      return runRegex('regex.find_n', r, s, ctx, () => [...goMatches(r.re, s, Number(n))].map((m) => m[0]));
    },
  });
  r.register({
    name: 'regex.find_all_string_submatch_n',
    arity: 3,
    impl: (args, ctx) => {
      const name = 'regex.find_all_string_submatch_n';
      const r = getRegexp(name, strOp(name, args, 1), ctx);
      const s = strOp(name, args, 2);
      const n = intOp(name, args, 3);
      return runRegex(name, r, s, ctx, () =>
        [...goMatches(r.re, s, Number(n))].map((m) => [...m].map((x) => x ?? '')),
      );
    },
  });
  r.register({
    name: 'regex.globs_match',
    arity: 2,
    impl: (args) => {
      const a = strOp('regex.globs_match', args, 1);
      const b = strOp('regex.globs_match', args, 2);
      try {
        return globsIntersect(a, b);
      } catch (e) {
        if (e instanceof GlobxError) throw builtinErr('regex.globs_match', e.message);
        throw e;
      }
    },
  });
}
