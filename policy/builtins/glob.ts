import type { Value } from '../value/index.js';
import { builtinErr } from './args.js';
import { compileGlob, GlobError, globQuoteMeta } from './lib-glob.js';
import { guarded, LONG_SUBJECT } from './lib-guard.js';
import { operandElemErr, operandTypeErr, strOp } from './lib-operand.js';
import type { BuiltinContext, BuiltinRegistry } from './registry.js';

/** Compiled globs kept process-wide; beyond this the cache is cleared. */
export const GLOB_CACHE_SIZE = 256;

const cache = new Map<string, RegExp | GlobError>();

function delimiters(v: Value): string[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw operandTypeErr('glob.match', 2, v, 'array', 'null');
  const out: string[] = [];
  for (const d of v) {
    if (typeof d !== 'string') throw operandElemErr('glob.match', 2, v, d, 'string');
    if ([...d].length !== 1) throw operandElemErr('glob.match', 2, v, d, 'rune');
    out.push(d);
  }
  return out.length === 0 ? ['.'] : out;
}

function match(args: readonly Value[], ctx: BuiltinContext): Value {
  const pattern = strOp('glob.match', args, 1);
  const delims = delimiters(args[1]!);
  const s = strOp('glob.match', args, 3);
  const id = `${pattern}-${delims.join('')}`;
  let re = cache.get(id);
  if (re === undefined) {
    try {
      re = compileGlob(pattern, delims);
    } catch (e) {
      if (!(e instanceof GlobError)) throw e;
      re = e;
    }
    if (cache.size >= GLOB_CACHE_SIZE) cache.clear();
    cache.set(id, re);
  }
  if (re instanceof GlobError) throw builtinErr('glob.match', re.message);
  ctx.tick(1);
  const r = re;
  // Several stars backtrack polynomially; a long subject gets the wall-clock guard.
  if (s.length > LONG_SUBJECT && (pattern.match(/\*/g)?.length ?? 0) >= 2)
    return guarded('glob.match', ctx, () => r.test(s));
  return r.test(s);
}

/** Registers `glob.match` and `glob.quote_meta`. */
export function registerGlob(r: BuiltinRegistry): void {
  r.register({ name: 'glob.match', arity: 3, impl: match });
  r.register({
    name: 'glob.quote_meta',
    arity: 1,
    impl: (args) => globQuoteMeta(strOp('glob.quote_meta', args, 1)),
  });
}
