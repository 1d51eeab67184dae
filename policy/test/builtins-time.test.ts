import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { Engine, PolicyError } from '../index.js';
import { runCases, type Want } from './builtin-cases.js';

// Each case: a Rego expression and the JSON of its value, or the error with strict builtin errors.

const CASES: readonly [string, Want][] = [
  ['time.parse_ns("2006-01-02T15:04:05Z07:00", "2017-06-02T19:00:00-07:00")', '1496455200000000000'],
  ['time.parse_ns("2006-01-02", "2017-06-02")', '1496361600000000000'],
  ['time.parse_ns("Mon Jan _2 15:04:05 2006", "Fri Jun  2 19:00:00 2017")', '1496430000000000000'],
  ['time.parse_ns("2006-01-02 15:04:05", "2017-06-02 19:00:00.123456")', '1496430000123456000'],
  ['time.parse_ns("Jan 2, 2006 at 3:04pm (MST)", "Feb 3, 2013 at 7:54pm (PST)")', '1359921240000000000'],
  ['time.parse_ns("2006-002", "2020-366")', '1609372800000000000'],
  ['time.parse_ns("RFC822Z", "02 Jun 17 19:00 -0700")', '1496455200000000000'],
  [
    'time.parse_ns("2006-01-02", "2017-02-30")',
    { code: 'eval_builtin_error', msg: 'parsing time "2017-02-30": day out of range' },
  ],
  [
    'time.parse_ns("2006-01-02", "2017-13-01")',
    { code: 'eval_builtin_error', msg: 'parsing time "2017-13-01": month out of range' },
  ],
  ['time.parse_ns("2006-01-02", "2017-06-02x")', { code: 'eval_builtin_error', msg: 'extra text: "x"' }],
  [
    'time.parse_ns("2006-01-02", "17-06-02")',
    { code: 'eval_builtin_error', msg: 'cannot parse "6-02" as "2006"' },
  ],
  [
    'time.parse_ns("2006-01-02T15:04:05Z07:00", "2262-04-11T23:47:16.854775808-00:00")',
    { code: 'eval_builtin_error', msg: 'time outside of valid range' },
  ],
  ['time.parse_rfc3339_ns("2017-06-02T19:00:00.5+05:30")', '1496410200500000000'],
  ['time.parse_duration_ns("1h2m3.5s")', '3723500000000'],
  ['time.parse_duration_ns("-1.5h")', '-5400000000000'],
  ['time.parse_duration_ns("1µs")', '1000'],
  ['time.parse_duration_ns("1")', { code: 'eval_builtin_error', msg: 'time: missing unit in duration "1"' }],
  [
    'time.parse_duration_ns("1x")',
    { code: 'eval_builtin_error', msg: 'time: unknown unit "x" in duration "1x"' },
  ],
  [
    'time.parse_duration_ns("9223372036854775808ns")',
    { code: 'eval_builtin_error', msg: 'time: invalid duration' },
  ],
  ['time.format([1517832000123456789, "UTC", "RFC3339Nano"])', '"2018-02-05T12:00:00.123456789Z"'],
  ['time.format(1517832000123456789)', '"2018-02-05T12:00:00.123456789Z"'],
  ['time.format([1517832000123456789, "America/New_York"])', '"2018-02-05T07:00:00.123456789-05:00"'],
  [
    'time.format([1517832000123456789, "UTC", "Mon Jan _2 3:04:05.000 PM MST -07:00 Z07 2006 06 __2 002"])',
    '"Mon Feb  5 12:00:00.123 PM UTC +00:00 Z 2018 18  36 036"',
  ],
  [
    'time.format([1517832000123456789, "America/New_York", "Mon Jan _2 3:04:05.000 PM MST -07:00 Z07 2006 06 __2 002"])',
    '"Mon Feb  5 7:00:00.123 AM EST -05:00 -05 2018 18  36 036"',
  ],
  ['time.format([0, "Mars/Olympus"])', { code: 'eval_builtin_error', msg: 'unknown time zone Mars/Olympus' }],
  ['time.date([1700000000000000000, "America/Los_Angeles"])', '[2023,11,14]'],
  ['time.clock([1700000000000000000, "America/Los_Angeles"])', '[14,13,20]'],
  ['time.weekday(1517832000000000000)', '"Monday"'],
  ['time.weekday(1.5)', { code: 'eval_builtin_error', msg: 'timestamp too big' }],
  [
    'time.date("x")',
    {
      code: 'eval_type_error',
      msg: 'operand 1 must be either number (ns) or [number (ns), string (tz)] but got string',
    },
  ],
  ['time.add_date(1585852421593912000, 3, 9, 12)', '1705257221593912000'],
  ['time.add_date(1580464800000000000, 0, 1, 0)', '1583143200000000000'],
  ['time.add_date(0, 2262, 1, 1)', { code: 'eval_builtin_error', msg: 'time outside of valid range' }],
  ['time.diff(1577836800000000000, 1709251199000000000)', '[4,1,28,23,59,59]'],
  ['time.diff(1709251199000000000, 1577836800000000000)', '[4,1,28,23,59,59]'],
  ['time.now_ns() > 0', 'true'],
];

test('zone abbreviations come from tzdata when the system has it (as Go embeds it)', () => {
  const engine = new Engine();
  const fmt = (ns: string, tz: string) =>
    engine.evalQuery(`x := time.format([${ns}, "${tz}", "MST"])`).rows[0]?.bindings.get('x');
  const tzdata = existsSync('/usr/share/zoneinfo/Europe/Berlin');
  assert.equal(fmt('1700000000000000000', 'Europe/Berlin'), tzdata ? 'CET' : '+01');
  assert.equal(fmt('1690000000000000000', 'Europe/Berlin'), tzdata ? 'CEST' : '+02');
  assert.equal(fmt('1700000000000000000', 'Europe/Istanbul'), '+03');
});

// Layout, value and Go 1.19's time.Parse result (unix nanoseconds, or the error message).
const GO_PARSE: readonly [string, string, string | { code: string; msg: string }][] = [
  ['Mon, 02 Jan 2006 15:04:05 MST', 'Mon, 02 Jan 2006 15:04:05 GMT', '1136214245000000000'],
  ['Mon, 02 Jan 2006 15:04:05 -0700', 'Mon, 02 Jan 2006 15:04:05 +0100', '1136210645000000000'],
  ['Monday, 02-Jan-06 15:04:05 MST', 'Monday, 02-Jan-06 15:04:05 PST', '1136214245000000000'],
  ['Mon Jan _2 15:04:05 2006', 'Mon Jan  2 15:04:05 2006', '1136214245000000000'],
  ['Mon Jan _2 15:04:05 2006', 'Mon Jan 2 15:04:05 2006', '1136214245000000000'],
  ['Mon Jan _2 15:04:05 MST 2006', 'Mon Jan 12 15:04:05 UTC 2006', '1137078245000000000'],
  ['2006-01-02T15:04:05Z07:00', '2006-01-02T15:04:05Z', '1136214245000000000'],
  ['2006-01-02T15:04:05Z07:00', '2006-01-02T15:04:05.999+07:00', '1136189045999000000'],
  [
    '2006-01-02T15:04:05Z07:00',
    '2006-01-02T15:04:05',
    {
      code: 'eval_builtin_error',
      msg: 'parsing time "2006-01-02T15:04:05" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"',
    },
  ],
  [
    '2006-01-02T15:04:05Z07:00',
    '2006-01-02t15:04:05Z',
    {
      code: 'eval_builtin_error',
      msg: 'parsing time "2006-01-02t15:04:05Z" as "2006-01-02T15:04:05Z07:00": cannot parse "t15:04:05Z" as "T"',
    },
  ],
  ['2006-01-02T15:04:05.999999999Z07:00', '2006-01-02T15:04:05.123456789Z', '1136214245123456789'],
  [
    '2006-01-02T15:04:05.999999999Z07:00',
    '2006-01-02T15:04:05.1234567891Z',
    {
      code: 'eval_builtin_error',
      msg: 'parsing time "2006-01-02T15:04:05.1234567891Z" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "1Z" as "Z07:00"',
    },
  ],
  ['2006-01-02 15:04:05 -0700 MST', '2021-03-04 05:06:07 +0100 CET', '1614830767000000000'],
  ['02/01/2006', '31/12/1999', '946598400000000000'],
  ['January 2, 2006', 'march 9, 2021', '1615248000000000000'],
  ['15:04', '25:00', { code: 'eval_builtin_error', msg: 'parsing time "25:00": hour out of range' }],
  [
    '15:04:05.000',
    '10:00:00.12',
    {
      code: 'eval_builtin_error',
      msg: 'parsing time "10:00:00.12" as "15:04:05.000": cannot parse ".12" as ".000"',
    },
  ],
  ['3PM', '13PM', { code: 'eval_builtin_error', msg: 'parsing time "13PM": hour out of range' }],
  ['2006 002', '2021 060', '1614556800000000000'],
  ['2006-01-02 002', '2021-03-01 060', '1614556800000000000'],
  ['Mon 2006-01-02', 'Tue 2021-03-01', '1614556800000000000'],
  ['2006-01-02T15:04:05-07', '2021-03-01T10:00:00+05', '1614574800000000000'],
  ['2006-01-02T15:04:05Z07', '2021-03-01T10:00:00Z', '1614592800000000000'],
  ['06-1-2', '99-3-9', '920937600000000000'],
  ['2006-01-02 15:04:05,000', '2021-03-01 10:00:00,250', '1614592800250000000'],
  ['2006-01-02 .999', '2021-03-01 .5', '1614556800500000000'],
  [
    '2006-01-02',
    '',
    { code: 'eval_builtin_error', msg: 'parsing time "" as "2006-01-02": cannot parse "" as "2006"' },
  ],
  ['', 'x', { code: 'eval_builtin_error', msg: 'parsing time "x": extra text: "x"' }],
];

test('time.parse_ns agrees with Go time.Parse on a corpus', () => {
  const engine = new Engine({ strictBuiltinErrors: true });
  for (const [layout, value, want] of GO_PARSE) {
    engine.setInputJs({ layout, value });
    const q = 'x := time.parse_ns(input.layout, input.value)';
    if (typeof want === 'object') {
      assert.throws(
        () => engine.evalQuery(q),
        (e: unknown) => e instanceof PolicyError && e.message.includes(want.msg),
        `${layout} ${value}`,
      );
      continue;
    }
    assert.equal(String(engine.evalQuery(q).rows[0]?.bindings.get('x')), want, `${layout} ${value}`);
  }
});

runCases(CASES);
