/**
 * Go's time package as OPA's time builtins use it: civil dates in the proleptic Gregorian
 * calendar over nanosecond bigints, time zones (UTC, fixed offsets, IANA names through Intl),
 * layout strings ("2006-01-02T15:04:05Z07:00") for both time.Parse and Time.Format, with Go's
 * error messages.
 */
import { tzAbbrev } from './lib-tzif.js';

/** A parse or zone failure with Go's message. */
export class GoTimeError extends Error {}

const NS = 1_000_000_000n;
const DAY = 86_400n;

/** Civil fields of an instant in a zone. */
export interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  nsec: number;
  /** Day of week, 0 = Sunday. */
  wday: number;
  /** Day of year, 1-based. */
  yday: number;
  /** Zone offset in seconds east of UTC, and its abbreviation. */
  offset: number;
  abbr: string;
}

/** A zone: UTC, a fixed offset, or an IANA name. */
export type Zone =
  | { kind: 'utc' }
  | { kind: 'fixed'; offset: number; name: string }
  | { kind: 'iana'; name: string };

/** The UTC zone. */
export const UTC: Zone = { kind: 'utc' };

/** Days since 1970-01-01 of a civil date (any month/day overflow normalised first). */
export function daysFromCivil(y: number, m: number, d: number): bigint {
  // Normalise the month into [1, 12] first, carrying into the year.
  const my = Math.floor((m - 1) / 12);
  y += my;
  m -= my * 12;
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5);
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return BigInt(era) * 146097n + BigInt(doe) - 719468n + BigInt(d - 1);
}

function civilFromDays(z: bigint): [number, number, number] {
  const zz = z + 719468n;
  const era = (zz >= 0n ? zz : zz - 146096n) / 146097n;
  const doe = Number(zz - era * 146097n);
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = Number(era) * 400 + yoe + (m <= 2 ? 1 : 0);
  return [y, m, d];
}

/** Gregorian leap year. */
export function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

/** Days in a month of a year. */
export function daysIn(m: number, y: number): number {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        timeZoneName: 'short',
      });
    } catch {
      throw new GoTimeError(`unknown time zone ${tz}`);
    }
    formatters.set(tz, f);
  }
  return f;
}

/** Validates a zone name the way time.LoadLocation would accept it. */
export function loadZone(name: string): Zone {
  if (name === '' || name === 'UTC') return UTC;
  const tz = name === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : name;
  if (tz === 'UTC' || tz === 'Etc/UTC') return UTC;
  formatter(tz);
  return { kind: 'iana', name: tz };
}

/** Offset (seconds east of UTC) and abbreviation of a zone at a unix second. */
export function zoneAt(z: Zone, unix: bigint): [number, string] {
  if (z.kind === 'utc') return [0, 'UTC'];
  if (z.kind === 'fixed') return [z.offset, z.name];
  const ms = Number(unix) * 1000;
  const parts = formatter(z.name).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  let y = Number(get('year'));
  if (get('era') === 'BC') y = 1 - y;
  const local =
    daysFromCivil(y, Number(get('month')), Number(get('day'))) * DAY +
    BigInt(Number(get('hour')) * 3600 + Number(get('minute')) * 60 + Number(get('second')));
  const offset = Number(local - unix);
  let abbr = tzAbbrev(z.name, unix, offset) ?? get('timeZoneName');
  if (/^GMT[+-]/.test(abbr) || abbr === 'GMT') {
    // Without tzdata, name the zone by its numeric offset ("+03"), as tzdata does for many zones.
    const a = Math.abs(offset);
    const hh = String(Math.floor(a / 3600)).padStart(2, '0');
    const mm = Math.floor((a % 3600) / 60);
    abbr =
      offset === 0 && abbr === 'GMT'
        ? 'GMT'
        : `${offset < 0 ? '-' : '+'}${hh}${mm === 0 ? '' : String(mm).padStart(2, '0')}`;
  }
  return [offset, abbr];
}

/** Civil fields of a unix-nanosecond instant in a zone. */
export function civil(ns: bigint, z: Zone): Civil {
  const sec = floorDiv(ns, NS);
  const nsec = Number(ns - sec * NS);
  const [offset, abbr] = zoneAt(z, sec);
  const local = sec + BigInt(offset);
  const days = floorDiv(local, DAY);
  const rem = Number(local - days * DAY);
  const [year, month, day] = civilFromDays(days);
  const wday = Number(((days % 7n) + 11n) % 7n);
  const yday = Number(days - daysFromCivil(year, 1, 1)) + 1;
  return {
    year,
    month,
    day,
    hour: Math.floor(rem / 3600),
    min: Math.floor((rem % 3600) / 60),
    sec: rem % 60,
    nsec,
    wday,
    yday,
    offset,
    abbr,
  };
}

/** time.Date(...) in a zone, with Go's normalisation of out-of-range fields; unix nanoseconds. */
export function fromCivil(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  nsec: bigint,
  z: Zone,
): bigint {
  const local =
    daysFromCivil(y, mo, 1) * DAY + BigInt(d - 1) * DAY + BigInt(h) * 3600n + BigInt(mi) * 60n + BigInt(s);
  let [off] = zoneAt(z, local);
  const utc = local - BigInt(off);
  const [off2] = zoneAt(z, utc);
  if (off2 !== off) off = off2;
  return (local - BigInt(off)) * NS + nsec;
}
