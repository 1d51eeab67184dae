import { Dec, type Value } from '../value/index.js';
import { builtinErr } from './args.js';
import { DAYS, formatTime, NAMED_LAYOUTS } from './lib-golayout.js';
import { parseDuration, parseTime } from './lib-goparse.js';
import { civil, daysIn, fromCivil, GoTimeError, loadZone, type Zone } from './lib-gotime.js';
import { intOp, operandTypeErr, strOp } from './lib-operand.js';
import type { BuiltinRegistry } from './registry.js';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const TZ_OPERAND = 'either number (ns) or [number (ns), string (tz)]';

function wrap<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GoTimeError) throw builtinErr(name, e.message);
    throw e;
  }
}

function safeNs(name: string, ns: bigint): bigint {
  if (ns < INT64_MIN || ns > INT64_MAX) throw builtinErr(name, 'time outside of valid range');
  return ns;
}

/** OPA's tzTime: a number of nanoseconds, or [ns, tz] / [ns, tz, layout]. */
function tzTime(name: string, a: Value): { ns: bigint; zone: Zone; layout: string } {
  let n: Value;
  let zone: Zone = loadZone('');
  let layout = '';
  if (Array.isArray(a)) {
    if (a.length === 0) throw operandTypeErr(name, 1, a, TZ_OPERAND);
    n = a[0]!;
    if (typeof n !== 'bigint' && !(n instanceof Dec)) throw operandTypeErr(name, 1, n, 'number');
    if (a.length > 1) {
      const tz = a[1]!;
      if (typeof tz !== 'string') throw operandTypeErr(name, 1, tz, 'string');
      zone = wrap(name, () => loadZone(tz));
    }
    if (a.length > 2) {
      const l = a[2]!;
      if (typeof l !== 'string') throw operandTypeErr(name, 1, l, 'string');
      layout = l;
    }
  } else if (typeof a === 'bigint' || a instanceof Dec) n = a;
  else throw operandTypeErr(name, 1, a, TZ_OPERAND);
  if (typeof n !== 'bigint' || n < INT64_MIN || n > INT64_MAX) throw builtinErr(name, 'timestamp too big');
  return { ns: n, zone, layout };
}

function date(args: readonly Value[]): Value {
  const { ns, zone } = tzTime('time.date', args[0]!);
  const c = civil(ns, zone);
  return [BigInt(c.year), BigInt(c.month), BigInt(c.day)];
}

function clock(args: readonly Value[]): Value {
  const { ns, zone } = tzTime('time.clock', args[0]!);
  const c = civil(ns, zone);
  return [BigInt(c.hour), BigInt(c.min), BigInt(c.sec)];
}

function addDate(args: readonly Value[]): Value {
  const name = 'time.add_date';
  const { ns, zone } = tzTime(name, args[0]!);
  const y = intOp(name, args, 2);
  const m = intOp(name, args, 3);
  const d = intOp(name, args, 4);
  const c = civil(ns, zone);
  const ny = c.year + Number(y);
  const nm = c.month + Number(m);
  const nd = c.day + Number(d);
  if (!Number.isSafeInteger(ny) || !Number.isSafeInteger(nm) || !Number.isSafeInteger(nd)) {
    throw builtinErr(name, 'time outside of valid range');
  }
  return safeNs(name, fromCivil(ny, nm, nd, c.hour, c.min, c.sec, BigInt(c.nsec), zone));
}

function diff(args: readonly Value[]): Value {
  const a = tzTime('time.diff', args[0]!);
  const b = tzTime('time.diff', args[1]!);
  // Both in the first operand's zone, earlier first.
  const [t1, t2] = a.ns > b.ns ? [b.ns, a.ns] : [a.ns, b.ns];
  const c1 = civil(t1, a.zone);
  const c2 = civil(t2, a.zone);
  let year = c2.year - c1.year;
  let month = c2.month - c1.month;
  let day = c2.day - c1.day;
  let hour = c2.hour - c1.hour;
  let min = c2.min - c1.min;
  let sec = c2.sec - c1.sec;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    day += daysIn(c1.month, c1.year);
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec].map(BigInt);
}

function format(args: readonly Value[]): Value {
  const { ns, zone, layout } = tzTime('time.format', args[0]!);
  const l = layout === '' ? NAMED_LAYOUTS.RFC3339Nano! : (NAMED_LAYOUTS[layout] ?? layout);
  return wrap('time.format', () => formatTime(ns, zone, l));
}

/** Registers `time.*`. */
export function registerTime(r: BuiltinRegistry): void {
  // Fixed within an evaluation, different in the next: no result may be carried over.
  r.register({ name: 'time.now_ns', arity: 0, impl: (_args, ctx) => ctx.nowNs, nondeterministic: true });
  r.register({
    name: 'time.parse_ns',
    arity: 2,
    impl: (args) => {
      const layout = strOp('time.parse_ns', args, 1);
      const value = strOp('time.parse_ns', args, 2);
      const l = NAMED_LAYOUTS[layout] ?? layout;
      return safeNs(
        'time.parse_ns',
        wrap('time.parse_ns', () => parseTime(l, value)),
      );
    },
  });
  r.register({
    name: 'time.parse_rfc3339_ns',
    arity: 1,
    impl: (args) => {
      const value = strOp('time.parse_rfc3339_ns', args, 1);
      const ns = wrap('time.parse_rfc3339_ns', () => parseTime(NAMED_LAYOUTS.RFC3339!, value));
      return safeNs('time.parse_rfc3339_ns', ns);
    },
  });
  r.register({
    name: 'time.parse_duration_ns',
    arity: 1,
    impl: (args) => {
      const s = strOp('time.parse_duration_ns', args, 1);
      return wrap('time.parse_duration_ns', () => parseDuration(s));
    },
  });
  r.register({ name: 'time.date', arity: 1, impl: date });
  r.register({ name: 'time.clock', arity: 1, impl: clock });
  r.register({
    name: 'time.weekday',
    arity: 1,
    impl: (args) => {
      const { ns, zone } = tzTime('time.weekday', args[0]!);
      return DAYS[civil(ns, zone).wday]!;
    },
  });
  r.register({ name: 'time.add_date', arity: 4, impl: addDate });
  r.register({ name: 'time.diff', arity: 2, impl: diff });
  r.register({ name: 'time.format', arity: 1, impl: format });
}
