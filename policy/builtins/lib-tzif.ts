/**
 * Time zone abbreviations from the system's TZif files (/usr/share/zoneinfo), as Go's tzdata
 * names them ("CET", "CEST", "+03"). Offsets come from Intl; Intl's own short names are locale
 * labels ("GMT+1") rather than tzdata abbreviations, so the abbreviation is looked up here.
 */
import { readFileSync } from 'node:fs';

/** Where zone files are read from. */
export const ZONEINFO_DIR = '/usr/share/zoneinfo';

interface Zone {
  /** Transition times (unix seconds) and the type index in effect from each. */
  times: bigint[];
  idx: number[];
  types: { off: number; abbr: string }[];
  /** The POSIX TZ footer's standard and daylight names and standard offset (seconds east). */
  footer: { std: string; stdOff: number; dst: string } | null;
}

const cache = new Map<string, Zone | null>();

function parseFooter(tz: string): Zone['footer'] {
  const m = /^(<[^>]+>|[A-Za-z]{3,})([+-]?\d{1,2}(?::\d{2}){0,2})(<[^>]+>|[A-Za-z]{3,})?/.exec(tz);
  if (m === null) return null;
  const unq = (s: string) => s.replace(/^<|>$/g, '');
  const [h, mi = '0', s = '0'] = m[2]!.replace(/^[+-]/, '').split(':');
  const west = (Number(h) * 3600 + Number(mi) * 60 + Number(s)) * (m[2]!.startsWith('-') ? -1 : 1);
  return { std: unq(m[1]!), stdOff: -west, dst: m[3] === undefined ? '' : unq(m[3]) };
}

type Counts = [number, number, number, number, number, number];

function parse(buf: Buffer): Zone | null {
  if (buf.toString('latin1', 0, 4) !== 'TZif') return null;
  const version = buf[4]!;
  // The header's six counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt.
  const counts = (at: number): Counts => {
    const c = (i: number): number => buf.readUInt32BE(at + 20 + i * 4);
    return [c(0), c(1), c(2), c(3), c(4), c(5)];
  };
  let [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(0);
  let at = 44;
  let wide = false;
  if (version >= 0x32) {
    // Skip the 32-bit body; the 64-bit one follows its own header.
    at += timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(at);
    at += 44;
    wide = true;
  }
  const times: bigint[] = [];
  for (let i = 0; i < timecnt; i++) {
    times.push(wide ? buf.readBigInt64BE(at + i * 8) : BigInt(buf.readInt32BE(at + i * 4)));
  }
  at += timecnt * (wide ? 8 : 4);
  const idx = [...buf.subarray(at, at + timecnt)];
  at += timecnt;
  const raw: { off: number; ai: number }[] = [];
  for (let i = 0; i < typecnt; i++) raw.push({ off: buf.readInt32BE(at + i * 6), ai: buf[at + i * 6 + 5]! });
  at += typecnt * 6;
  const chars = buf.subarray(at, at + charcnt);
  const types = raw.map((t) => ({
    off: t.off,
    abbr: chars.toString('latin1', t.ai, chars.indexOf(0, t.ai)),
  }));
  at += charcnt + leap * (wide ? 12 : 8) + isstd + isut;
  let footer: Zone['footer'] = null;
  if (wide && buf[at] === 0x0a) {
    const end = buf.indexOf(0x0a, at + 1);
    footer = parseFooter(buf.toString('latin1', at + 1, end < 0 ? buf.length : end));
  }
  return { times, idx, types, footer };
}

function load(name: string): Zone | null {
  if (cache.has(name)) return cache.get(name)!;
  let z: Zone | null = null;
  // Only plain zone names: never let a policy steer the path.
  if (/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(name)) {
    try {
      z = parse(readFileSync(`${ZONEINFO_DIR}/${name}`));
    } catch {
      z = null;
    }
  }
  cache.set(name, z);
  return z;
}

/** The tzdata abbreviation of `zone` at `unix` seconds with the given offset, or null if unknown. */
export function tzAbbrev(zone: string, unix: bigint, offset: number): string | null {
  const z = load(zone);
  if (z === null) return null;
  let i = -1;
  for (let lo = 0, hi = z.times.length - 1; lo <= hi; ) {
    const mid = (lo + hi) >> 1;
    if (z.times[mid]! <= unix) {
      i = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (i === z.times.length - 1 && z.footer !== null && i >= 0) {
    return offset === z.footer.stdOff || z.footer.dst === '' ? z.footer.std : z.footer.dst;
  }
  const t = i >= 0 ? z.types[z.idx[i]!] : z.types[0];
  if (t !== undefined && t.off === offset) return t.abbr;
  return z.types.find((x) => x.off === offset)?.abbr ?? null;
}
