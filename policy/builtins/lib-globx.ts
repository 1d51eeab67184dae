/**
 * Whether two regexp-style globs (as `regex.globs_match` takes them: literal characters, `.`,
 * `[...]` classes with ranges, `*` and `+` modifiers, `\` escapes; implicitly anchored) match a
 * common non-empty string. Each glob becomes a small NFA; a breadth-first search over the
 * product automaton looks for a path to both accept states that consumed at least one character.
 */

/** Malformed glob (unclosed class, modifier without a preceding character...). */
export class GlobxError extends Error {}

type Ranges = readonly (readonly [number, number])[];

interface Tok {
  set: Ranges;
  star: boolean;
}

const ANY: Ranges = [[0, 0x10ffff]];

function negate(r: Ranges): Ranges {
  const sorted = [...r].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

function tokenize(g: string): Tok[] {
  const cps = [...g].map((c) => c.codePointAt(0)!);
  const toks: Tok[] = [];
  let i = 0;
  const lit = (): number => {
    const c = cps[i]!;
    if (c === 0x5c) {
      if (i + 1 >= cps.length) throw new GlobxError('trailing escape character');
      i += 2;
      return cps[i - 1]!;
    }
    i++;
    return c;
  };
  while (i < cps.length) {
    const c = cps[i]!;
    if (c === 0x2a || c === 0x2b) {
      const prev = toks[toks.length - 1];
      if (prev === undefined || prev.star)
        throw new GlobxError(`modifier ${String.fromCodePoint(c)} without a preceding symbol`);
      if (c === 0x2a) prev.star = true;
      else toks.push({ set: prev.set, star: true });
      i++;
      continue;
    }
    if (c === 0x2e) {
      toks.push({ set: ANY, star: false });
      i++;
      continue;
    }
    if (c === 0x5b) {
      i++;
      let neg = false;
      if (cps[i] === 0x5e) {
        neg = true;
        i++;
      }
      const set: [number, number][] = [];
      while (i < cps.length && cps[i] !== 0x5d) {
        const lo = lit();
        if (cps[i] === 0x2d && i + 1 < cps.length && cps[i + 1] !== 0x5d) {
          i++;
          const hi = lit();
          if (hi < lo) throw new GlobxError('invalid character class range');
          set.push([lo, hi]);
        } else set.push([lo, lo]);
      }
      if (i >= cps.length) throw new GlobxError('unclosed character class');
      i++;
      if (set.length === 0) throw new GlobxError('empty character class');
      toks.push({ set: neg ? negate(set) : set, star: false });
      continue;
    }
    if (c === 0x5d) throw new GlobxError('unmatched ]');
    const ch = lit();
    toks.push({ set: [[ch, ch]], star: false });
  }
  return toks;
}

function overlap(a: Ranges, b: Ranges): boolean {
  for (const [alo, ahi] of a) for (const [blo, bhi] of b) if (alo <= bhi && blo <= ahi) return true;
  return false;
}

/** True when some non-empty string matches both globs. */
export function globsIntersect(g1: string, g2: string): boolean {
  const a = tokenize(g1);
  const b = tokenize(g2);
  const seen = new Set<string>();
  const queue: [number, number, boolean][] = [];
  const push = (i: number, j: number, used: boolean) => {
    const k = `${i},${j},${used}`;
    if (seen.has(k)) return;
    seen.add(k);
    queue.push([i, j, used]);
  };
  push(0, 0, false);
  while (queue.length > 0) {
    const [i, j, used] = queue.shift()!;
    if (i === a.length && j === b.length && used) return true;
    // Epsilon moves: skip a starred token.
    if (i < a.length && a[i]!.star) push(i + 1, j, used);
    if (j < b.length && b[j]!.star) push(i, j + 1, used);
    if (i < a.length && j < b.length && overlap(a[i]!.set, b[j]!.set)) {
      push(a[i]!.star ? i : i + 1, b[j]!.star ? j : j + 1, true);
    }
  }
  return false;
}
