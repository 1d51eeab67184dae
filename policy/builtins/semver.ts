import type { Value } from '../value/index.js';
import { builtinErr } from './args.js';
import { strOp } from './lib-operand.js';
import type { BuiltinRegistry } from './registry.js';

const IDENTS = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
const INT64_MAX = (1n << 63n) - 1n;

interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string;
}

function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** Go's strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const n = BigInt(s);
  return n > INT64_MAX || n < -INT64_MAX - 1n ? null : n;
}

/** OPA's semver.Parse: optional leading "v", pre-release and build metadata identifiers. */
export function parseSemver(version: string): Version | null {
  const [rest, meta] = cut(version.startsWith('v') ? version.slice(1) : version, '+');
  if (meta !== '' && !IDENTS.test(meta)) return null;
  const [v, pre] = cut(rest, '-');
  if (pre !== '' && !IDENTS.test(pre)) return null;
  if (v.split('.').length !== 3) return null;
  const [a, b, c] = v.split('.') as [string, string, string];
  const major = parseInt64(a);
  const minor = parseInt64(b);
  const patch = parseInt64(c);
  if (major === null || minor === null || patch === null) return null;
  return { major, minor, patch, pre };
}

function cmp<T>(a: T, b: T): number {
  return a > b ? 1 : a < b ? -1 : 0;
}

/** SemVer precedence (build metadata ignored). */
export function compareSemver(x: Version, y: Version): number {
  const c = cmp(x.major, y.major) || cmp(x.minor, y.minor) || cmp(x.patch, y.patch);
  if (c !== 0) return c;
  if (x.pre === y.pre) return 0;
  if (x.pre === '') return 1;
  if (y.pre === '') return -1;
  let [a, ra] = cut(x.pre, '.');
  let [b, rb] = cut(y.pre, '.');
  for (;;) {
    if (a === '' && b !== '') return -1;
    if (a !== '' && b === '') return 1;
    const an = /^\d+$/.test(a);
    const bn = /^\d+$/.test(b);
    if (an && !bn) return -1;
    if (!an && bn) return 1;
    const d = an && bn ? cmp(BigInt(a), BigInt(b)) : cmp(a, b);
    if (d !== 0) return d;
    if (ra !== '' && rb === '') return 1;
    if (ra === '' && rb !== '') return -1;
    if (ra === '' && rb === '') return 0;
    [a, ra] = cut(ra, '.');
    [b, rb] = cut(rb, '.');
  }
}

/** Registers `semver.is_valid` and `semver.compare`. */
export function registerSemver(r: BuiltinRegistry): void {
  r.register({
    name: 'semver.is_valid',
    arity: 1,
    impl: (args) => typeof args[0] === 'string' && parseSemver(args[0]) !== null,
  });
  r.register({
    name: 'semver.compare',
    arity: 2,
    impl: (args: readonly Value[]) => {
      const vs = [1, 2].map((pos) => {
        const s = strOp('semver.compare', args, pos);
        const v = parseSemver(s);
        if (v === null)
          throw builtinErr(
            'semver.compare',
            `operand ${pos}: string ${JSON.stringify(s)} is not a valid SemVer`,
          );
        return v;
      });
      return BigInt(compareSemver(vs[0]!, vs[1]!));
    },
  });
}
