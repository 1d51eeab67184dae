/** time.Parse and time.ParseDuration with Go's rules and error messages. */
import { DAYS, digitAt, MONTHS, nextChunk } from './lib-golayout.js';
import { daysIn, fromCivil, GoTimeError, isLeap, UTC } from './lib-gotime.js';
import { goQuote } from './lib-term.js';

const NS = 1_000_000_000n;

function parseErr(value: string, layout: string, velem: string, lelem: string, msg = ''): GoTimeError {
  if (msg !== '') return new GoTimeError(`parsing time ${goQuote(value)}${msg}`);
  return new GoTimeError(
    `parsing time ${goQuote(value)} as ${goQuote(layout)}: cannot parse ${goQuote(velem)} as ${goQuote(lelem)}`,
  );
}

class Bad extends Error {}

function getnum(v: string, fixed: boolean): [number, string] {
  if (!digitAt(v, 0)) throw new Bad();
  if (!digitAt(v, 1)) {
    if (fixed) throw new Bad();
    return [Number(v[0]), v.slice(1)];
  }
  return [Number(v.slice(0, 2)), v.slice(2)];
}

function lookupName(names: readonly string[], v: string, len: number | null): [number, string] {
  for (let i = 0; i < names.length; i++) {
    const n = len === null ? names[i]! : names[i]!.slice(0, len);
    if (v.length >= n.length && v.slice(0, n.length).toLowerCase() === n.toLowerCase())
      return [i, v.slice(n.length)];
  }
  throw new Bad();
}

function skip(value: string, prefix: string): string {
  while (prefix.length > 0) {
    if (prefix[0] === ' ') {
      if (value.length > 0 && value[0] !== ' ') throw new Bad();
      prefix = prefix.replace(/^ +/, '');
      value = value.replace(/^ +/, '');
      continue;
    }
    if (value.length === 0 || value[0] !== prefix[0]) throw new Bad();
    prefix = prefix.slice(1);
    value = value.slice(1);
  }
  return value;
}

function parseNanos(v: string, n: number): number {
  if (v[0] !== '.' && v[0] !== ',') throw new Bad();
  const digits = v.slice(1, n);
  if (!/^\d*$/.test(digits)) throw new Bad();
  return Number(digits.slice(0, 9).padEnd(9, '0'));
}

/** The length of a time zone abbreviation at the start of `v` (Go's parseTimeZone), or 0. */
function tzAbbrevLen(v: string): number {
  if (v.length < 3) return 0;
  if (v.startsWith('ChST') || v.startsWith('MeST')) return 4;
  if (v.startsWith('GMT')) {
    const m = /^GMT([+-]\d{1,2})?/.exec(v)!;
    return m[0].length;
  }
  if (v[0] === '+' || v[0] === '-') {
    const m = /^[+-]\d{2}(\d{2})?/.exec(v);
    return m === null ? 0 : m[0].length;
  }
  let n = 0;
  while (n < v.length && v[n]! >= 'A' && v[n]! <= 'Z') n++;
  if (n === 3 || n === 4 || n === 5) {
    if (n === 4 && v[3] !== 'T' && !v.startsWith('WITA')) return 0;
    if (n === 5 && v[4] !== 'T') return 0;
    return n;
  }
  return 0;
}

/** time.Parse(layout, value) as unix nanoseconds (a bigint, unbounded). */
export function parseTime(layout: string, value: string): bigint {
  const origLayout = layout;
  const origValue = value;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let pm = false;
  let am = false;
  let zoneOffset: number | null = null;
  let utcZ = false;
  let zoneName = '';
  for (;;) {
    const ch = nextChunk(layout);
    const stdstr = ch.text;
    try {
      value = skip(value, ch.prefix);
    } catch {
      throw parseErr(origValue, origLayout, value, ch.prefix);
    }
    if (ch.std === null) {
      if (value.length !== 0)
        throw parseErr(origValue, origLayout, '', '', `: extra text: ${goQuote(value)}`);
      break;
    }
    layout = ch.suffix;
    const hold = value;
    let range = '';
    try {
      switch (ch.std) {
        case 'Year': {
          if (value.length < 2 || !/^\d\d/.test(value)) throw new Bad();
          const y = Number(value.slice(0, 2));
          value = value.slice(2);
          year = y >= 69 ? y + 1900 : y + 2000;
          break;
        }
        case 'LongYear': {
          if (value.length < 4 || !digitAt(value, 0)) throw new Bad();
          const p = value.slice(0, 4);
          value = value.slice(4);
          // Go reports the remaining value here, after the four bytes it consumed.
          if (!/^\d{4}$/.test(p)) throw parseErr(origValue, origLayout, value, stdstr);
          year = Number(p);
          break;
        }
        case 'Month':
          [month, value] = lookupName(MONTHS, value, 3);
          month++;
          break;
        case 'LongMonth':
          [month, value] = lookupName(MONTHS, value, null);
          month++;
          break;
        case 'NumMonth':
        case 'ZeroMonth':
          [month, value] = getnum(value, ch.std === 'ZeroMonth');
          if (month <= 0 || month > 12) range = 'month';
          break;
        case 'WeekDay':
          [, value] = lookupName(DAYS, value, 3);
          break;
        case 'LongWeekDay':
          [, value] = lookupName(DAYS, value, null);
          break;
        case 'Day':
        case 'UnderDay':
        case 'ZeroDay':
          if (ch.std === 'UnderDay' && value[0] === ' ') value = value.slice(1);
          [day, value] = getnum(value, ch.std === 'ZeroDay');
          break;
        case 'UnderYearDay':
        case 'ZeroYearDay': {
          let v = value;
          for (let i = 0; i < 2; i++) if (ch.std === 'UnderYearDay' && v[0] === ' ') v = v.slice(1);
          const m = /^\d{1,3}/.exec(v);
          if (m === null || (ch.std === 'ZeroYearDay' && m[0].length !== 3)) throw new Bad();
          yday = Number(m[0]);
          value = v.slice(m[0].length);
          if (yday < 1 || yday > 366) range = 'day-of-year';
          break;
        }
        case 'Hour':
          [hour, value] = getnum(value, false);
          if (hour < 0 || hour >= 24) range = 'hour';
          break;
        case 'Hour12':
        case 'ZeroHour12':
          [hour, value] = getnum(value, ch.std === 'ZeroHour12');
          if (hour < 0 || hour > 12) range = 'hour';
          break;
        case 'Minute':
        case 'ZeroMinute':
          [min, value] = getnum(value, ch.std === 'ZeroMinute');
          if (min < 0 || min >= 60) range = 'minute';
          break;
        case 'Second':
        case 'ZeroSecond': {
          [sec, value] = getnum(value, ch.std === 'ZeroSecond');
          if (sec < 0 || sec >= 60) {
            range = 'second';
            break;
          }
          // A fractional second in the value but not in the layout is accepted after seconds.
          if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && digitAt(value, 1)) {
            const next = nextChunk(layout).std;
            if (next === 'Frac0' || next === 'Frac9') break;
            let n = 2;
            while (n < value.length && digitAt(value, n)) n++;
            nsec = parseNanos(value, n);
            value = value.slice(n);
          }
          break;
        }
        case 'PM':
          if (value.length < 2) throw new Bad();
          if (value.startsWith('PM')) pm = true;
          else if (value.startsWith('AM')) am = true;
          else throw new Bad();
          value = value.slice(2);
          break;
        case 'pm':
          if (value.length < 2) throw new Bad();
          if (value.startsWith('pm')) pm = true;
          else if (value.startsWith('am')) am = true;
          else throw new Bad();
          value = value.slice(2);
          break;
        case 'TZ': {
          if (value.startsWith('UTC')) {
            utcZ = true;
            value = value.slice(3);
            break;
          }
          const n = tzAbbrevLen(value);
          if (n === 0) throw new Bad();
          zoneName = value.slice(0, n);
          value = value.slice(n);
          break;
        }
        case 'Frac0': {
          const nd = 1 + ch.digits;
          if (value.length < nd) throw new Bad();
          nsec = parseNanos(value, nd);
          value = value.slice(nd);
          break;
        }
        case 'Frac9': {
          if (value.length < 2 || (value[0] !== '.' && value[0] !== ',') || !digitAt(value, 1)) break;
          let i = 0;
          while (i < 9 && i + 1 < value.length && digitAt(value, i + 1)) i++;
          nsec = parseNanos(value, 1 + i);
          value = value.slice(1 + i);
          break;
        }
        default: {
          if (ch.std.startsWith('ISO') && value[0] === 'Z') {
            value = value.slice(1);
            utcZ = true;
            break;
          }
          const colon = ch.std.includes('Colon');
          const short = ch.std.includes('Short');
          const secs = ch.std.includes('Seconds');
          const len = short ? 3 : colon ? (secs ? 9 : 6) : secs ? 7 : 5;
          if (value.length < len) throw new Bad();
          const sign = value[0];
          let mm = 0;
          let ss = 0;
          const [hh, afterHour] = getnum(value.slice(1), true);
          let rest = afterHour;
          if (!short) {
            if (colon) {
              if (rest[0] !== ':') throw new Bad();
              rest = rest.slice(1);
            }
            [mm, rest] = getnum(rest, true);
          }
          if (secs) {
            if (colon) {
              if (rest[0] !== ':') throw new Bad();
              rest = rest.slice(1);
            }
            [ss, rest] = getnum(rest, true);
          }
          if (hh > 24) range = 'time zone offset hour';
          if (mm > 60) range = 'time zone offset minute';
          if (ss > 60) range = 'time zone offset second';
          let off = (hh * 60 + mm) * 60 + ss;
          if (sign === '-') off = -off;
          else if (sign !== '+') throw new Bad();
          zoneOffset = off;
          value = rest;
        }
      }
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      throw parseErr(origValue, origLayout, hold, stdstr);
    }
    if (range !== '') throw parseErr(origValue, origLayout, '', '', `: ${range} out of range`);
  }
  if (pm && hour < 12) hour += 12;
  else if (am && hour === 12) hour = 0;
  if (yday >= 0) {
    let m = 0;
    let d = yday;
    if (yday > 365 && !isLeap(year))
      throw parseErr(origValue, origLayout, '', '', ': day-of-year out of range');
    while (m < 12 && d > daysIn(m + 1, year)) {
      d -= daysIn(m + 1, year);
      m++;
    }
    if ((month >= 0 && month !== m + 1) || (day >= 0 && day !== d)) {
      throw parseErr(origValue, origLayout, '', '', ': day-of-year does not match month');
    }
    month = m + 1;
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year))
    throw parseErr(origValue, origLayout, '', '', ': day out of range');
  const base = fromCivil(year, month, day, hour, min, sec, BigInt(nsec), UTC);
  if (utcZ) return base;
  if (zoneOffset !== null) return base - BigInt(zoneOffset) * NS;
  // A zone abbreviation (even GMT+3) only names a fabricated zone: Go keeps the instant as if UTC.
  void zoneName;
  return base;
}

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: NS,
  m: 60n * NS,
  h: 3600n * NS,
};

const MAX_DURATION = (1n << 63n) - 1n;

/** time.ParseDuration, in nanoseconds. */
export function parseDuration(s: string): bigint {
  const orig = s;
  const bad = () => new GoTimeError(`time: invalid duration ${goQuote(orig)}`);
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw bad();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const ip = m[1]!;
    const fp = m[2];
    if (ip === '' && (fp === undefined || fp === '')) throw bad();
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s)![0];
    if (u === '') throw new GoTimeError(`time: missing unit in duration ${goQuote(orig)}`);
    const unit = UNITS[u];
    if (unit === undefined)
      throw new GoTimeError(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    s = s.slice(u.length);
    let v = BigInt(ip === '' ? '0' : ip) * unit;
    if (fp !== undefined && fp !== '') v += (BigInt(fp) * unit) / 10n ** BigInt(fp.length);
    total += v;
    if (total > MAX_DURATION + (neg ? 1n : 0n)) throw bad();
  }
  return neg ? -total : total;
}
