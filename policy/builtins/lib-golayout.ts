/**
 * Go time layouts ("2006-01-02T15:04:05Z07:00"): the layout chunker shared by parsing and
 * formatting (Go's nextStdChunk), and Time.Format.
 */
import { civil, type Zone } from './lib-gotime.js';

/** English month names. */
export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
/** English weekday names, Sunday first. */
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Layout elements, as Go's nextStdChunk recognises them. */
export type Std =
  | 'LongMonth'
  | 'Month'
  | 'NumMonth'
  | 'ZeroMonth'
  | 'LongWeekDay'
  | 'WeekDay'
  | 'Day'
  | 'UnderDay'
  | 'ZeroDay'
  | 'UnderYearDay'
  | 'ZeroYearDay'
  | 'Hour'
  | 'Hour12'
  | 'ZeroHour12'
  | 'Minute'
  | 'ZeroMinute'
  | 'Second'
  | 'ZeroSecond'
  | 'LongYear'
  | 'Year'
  | 'PM'
  | 'pm'
  | 'TZ'
  | 'ISO8601TZ'
  | 'ISO8601SecondsTZ'
  | 'ISO8601ShortTZ'
  | 'ISO8601ColonTZ'
  | 'ISO8601ColonSecondsTZ'
  | 'NumTZ'
  | 'NumSecondsTz'
  | 'NumShortTZ'
  | 'NumColonTZ'
  | 'NumColonSecondsTZ'
  | 'Frac0'
  | 'Frac9';

/** One layout element with the literal text before it and the layout after it. */
export interface Chunk {
  prefix: string;
  std: Std | null;
  /** The element's text in the layout. */
  text: string;
  /** Fractional-second digits and separator. */
  digits: number;
  sep: string;
  suffix: string;
}

const TZ_CHUNKS: [string, Std][] = [
  ['Z07:00:00', 'ISO8601ColonSecondsTZ'],
  ['Z070000', 'ISO8601SecondsTZ'],
  ['Z07:00', 'ISO8601ColonTZ'],
  ['Z0700', 'ISO8601TZ'],
  ['Z07', 'ISO8601ShortTZ'],
  ['-07:00:00', 'NumColonSecondsTZ'],
  ['-070000', 'NumSecondsTz'],
  ['-07:00', 'NumColonTZ'],
  ['-0700', 'NumTZ'],
  ['-07', 'NumShortTZ'],
];

function lowerAt(s: string, i: number): boolean {
  const c = s[i];
  return c !== undefined && c >= 'a' && c <= 'z';
}

/** True when s[i] is an ASCII digit. */
export function digitAt(s: string, i: number): boolean {
  const c = s[i];
  return c !== undefined && c >= '0' && c <= '9';
}

/** Go's nextStdChunk. */
export function nextChunk(layout: string): Chunk {
  const mk = (i: number, std: Std, len: number, digits = 0, sep = ''): Chunk => ({
    prefix: layout.slice(0, i),
    std,
    text: layout.slice(i, i + len),
    digits,
    sep,
    suffix: layout.slice(i + len),
  });
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i]!;
    const at = (s: string) => layout.startsWith(s, i);
    switch (c) {
      case 'J':
        if (at('Jan')) {
          if (at('January')) return mk(i, 'LongMonth', 7);
          if (!lowerAt(layout, i + 3)) return mk(i, 'Month', 3);
        }
        break;
      case 'M':
        if (at('Mon')) {
          if (at('Monday')) return mk(i, 'LongWeekDay', 6);
          if (!lowerAt(layout, i + 3)) return mk(i, 'WeekDay', 3);
        }
        if (at('MST')) return mk(i, 'TZ', 3);
        break;
      case '0': {
        const n = layout[i + 1];
        if (n !== undefined && n >= '1' && n <= '6') {
          const m: Record<string, Std> = {
            '1': 'ZeroMonth',
            '2': 'ZeroDay',
            '3': 'ZeroHour12',
            '4': 'ZeroMinute',
            '5': 'ZeroSecond',
            '6': 'Year',
          };
          return mk(i, m[n]!, 2);
        }
        if (at('002')) return mk(i, 'ZeroYearDay', 3);
        break;
      }
      case '1':
        if (at('15')) return mk(i, 'Hour', 2);
        return mk(i, 'NumMonth', 1);
      case '2':
        if (at('2006')) return mk(i, 'LongYear', 4);
        return mk(i, 'Day', 1);
      case '_':
        if (at('_2')) {
          // "_2006" is a literal underscore followed by the year.
          if (at('_2006')) return { ...mk(i + 1, 'LongYear', 4), prefix: layout.slice(0, i + 1) };
          return mk(i, 'UnderDay', 2);
        }
        if (at('__2')) return mk(i, 'UnderYearDay', 3);
        break;
      case '3':
        return mk(i, 'Hour12', 1);
      case '4':
        return mk(i, 'Minute', 1);
      case '5':
        return mk(i, 'Second', 1);
      case 'P':
        if (at('PM')) return mk(i, 'PM', 2);
        break;
      case 'p':
        if (at('pm')) return mk(i, 'pm', 2);
        break;
      case '-':
      case 'Z':
        for (const [t, std] of TZ_CHUNKS) if (at(t)) return mk(i, std, t.length);
        break;
      case '.':
      case ',': {
        const ch = layout[i + 1];
        if (ch === '0' || ch === '9') {
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!digitAt(layout, j)) return mk(i, ch === '0' ? 'Frac0' : 'Frac9', j - i, j - i - 1, c);
        }
        break;
      }
    }
  }
  return { prefix: layout, std: null, text: '', digits: 0, sep: '', suffix: '' };
}

/** Go's named layouts accepted by OPA in place of a layout string. */
export const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};

function pad(n: number, w: number): string {
  const s = String(Math.abs(n)).padStart(w, '0');
  return n < 0 ? `-${s}` : s;
}

/** Time.Format. */
export function formatTime(ns: bigint, z: Zone, layout: string): string {
  const t = civil(ns, z);
  let out = '';
  let rest = layout;
  for (;;) {
    const ch = nextChunk(rest);
    out += ch.prefix;
    if (ch.std === null) break;
    rest = ch.suffix;
    switch (ch.std) {
      case 'Year':
        out += pad(Math.abs(t.year % 100), 2);
        break;
      case 'LongYear':
        out += pad(t.year, 4);
        break;
      case 'Month':
        out += MONTHS[t.month - 1]!.slice(0, 3);
        break;
      case 'LongMonth':
        out += MONTHS[t.month - 1]!;
        break;
      case 'NumMonth':
        out += t.month;
        break;
      case 'ZeroMonth':
        out += pad(t.month, 2);
        break;
      case 'WeekDay':
        out += DAYS[t.wday]!.slice(0, 3);
        break;
      case 'LongWeekDay':
        out += DAYS[t.wday]!;
        break;
      case 'Day':
        out += t.day;
        break;
      case 'UnderDay':
        out += String(t.day).padStart(2, ' ');
        break;
      case 'ZeroDay':
        out += pad(t.day, 2);
        break;
      case 'UnderYearDay':
        out += String(t.yday).padStart(3, ' ');
        break;
      case 'ZeroYearDay':
        out += pad(t.yday, 3);
        break;
      case 'Hour':
        out += pad(t.hour, 2);
        break;
      case 'Hour12':
        out += t.hour % 12 === 0 ? 12 : t.hour % 12;
        break;
      case 'ZeroHour12':
        out += pad(t.hour % 12 === 0 ? 12 : t.hour % 12, 2);
        break;
      case 'Minute':
        out += t.min;
        break;
      case 'ZeroMinute':
        out += pad(t.min, 2);
        break;
      case 'Second':
        out += t.sec;
        break;
      case 'ZeroSecond':
        out += pad(t.sec, 2);
        break;
      case 'PM':
        out += t.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += t.hour >= 12 ? 'pm' : 'am';
        break;
      case 'TZ':
        if (t.abbr !== '') out += t.abbr;
        else {
          const zm = Math.trunc(t.offset / 60);
          out += `${zm < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(zm) / 60), 2)}${pad(Math.abs(zm) % 60, 2)}`;
        }
        break;
      case 'Frac0':
        out += ch.sep + String(t.nsec).padStart(9, '0').slice(0, ch.digits);
        break;
      case 'Frac9': {
        if (t.nsec === 0) break;
        const d = String(t.nsec).padStart(9, '0').slice(0, ch.digits).replace(/0+$/, '');
        if (d !== '') out += ch.sep + d;
        break;
      }
      default: {
        // Numeric and ISO 8601 zone offsets.
        const iso = ch.std.startsWith('ISO');
        if (iso && t.offset === 0) {
          out += 'Z';
          break;
        }
        const zm = Math.trunc(t.offset / 60);
        const abs = Math.abs(t.offset);
        const colon = ch.std.includes('Colon');
        out += `${zm < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(zm) / 60), 2)}`;
        if (!ch.std.includes('Short')) out += (colon ? ':' : '') + pad(Math.abs(zm) % 60, 2);
        if (ch.std.includes('Seconds')) out += (colon ? ':' : '') + pad(abs % 60, 2);
      }
    }
  }
  return out;
}
