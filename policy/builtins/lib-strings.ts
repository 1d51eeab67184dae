/** Go's strings package behaviour where JS differs: Unicode spaces, simple case mapping, cutsets. */

const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;

/** unicode.IsSpace. */
export function isGoSpace(ch: string): boolean {
  return GO_SPACE.test(ch);
}

/** strings.TrimSpace (JS trim also strips U+FEFF, which Go keeps). */
export function goTrimSpace(s: string): string {
  const cs = [...s];
  let a = 0;
  let b = cs.length;
  while (a < b && isGoSpace(cs[a]!)) a++;
  while (b > a && isGoSpace(cs[b - 1]!)) b--;
  return a === 0 && b === cs.length ? s : cs.slice(a, b).join('');
}

/** strings.Trim / TrimLeft / TrimRight with a cutset of characters. */
export function trimSet(s: string, cutset: string, left: boolean, right: boolean): string {
  if (s === '' || cutset === '') return s;
  const set = new Set(cutset);
  const cs = [...s];
  let a = 0;
  let b = cs.length;
  if (left) while (a < b && set.has(cs[a]!)) a++;
  if (right) while (b > a && set.has(cs[b - 1]!)) b--;
  return cs.slice(a, b).join('');
}

function mapRunes(s: string, f: (ch: string) => string, firstOfMany: boolean): string {
  let out = '';
  for (const ch of s) {
    const m = [...f(ch)];
    // Go maps rune by rune (unicode.ToUpper): special casings that expand (ß -> SS) do not apply,
    // and İ lowers to plain i (JS gives i + combining dot).
    out += m.length === 1 ? m[0]! : firstOfMany ? m[0]! : ch;
  }
  return out;
}

/** strings.ToUpper. */
export function goUpper(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s.toUpperCase();
  return mapRunes(s, (c) => c.toUpperCase(), false);
}

/** strings.ToLower. */
export function goLower(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase();
  return mapRunes(s, (c) => c.toLowerCase(), true);
}

/** Index of `sub` in `s`, counted in code points (OPA's indexof), or -1. */
export function runeIndexOf(s: string, sub: string): number {
  const i = s.indexOf(sub);
  if (i < 0) return -1;
  return [...s.slice(0, i)].length;
}
