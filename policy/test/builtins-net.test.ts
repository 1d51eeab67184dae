import { runCases, type Want } from './builtin-cases.js';

// Each case: a Rego expression and the JSON of its value, or the error with strict builtin errors.

const CASES: readonly [string, Want][] = [
  ['net.cidr_contains("10.0.0.0/8", "10.1.2.3")', 'true'],
  ['net.cidr_contains("10.0.0.0/8", "10.1.2.3/16")', 'true'],
  ['net.cidr_contains("10.0.0.0/24", "10.0.0.0/23")', 'false'],
  ['net.cidr_contains("2001:db8::/32", "2001:db8:1::1")', 'true'],
  ['net.cidr_contains("::ffff:0:0/96", "1.2.3.4")', 'true'],
  ['net.cidr_contains("1.2.3.0/24", "::ffff:1.2.3.4")', 'true'],
  ['net.cidr_contains("::ffff:10.0.0.0/104", "10.1.2.3")', 'true'],
  ['net.cidr_contains("2001:DB8:0:0:1::/80", "2001:db8:0:0:1::ff")', 'true'],
  [
    'net.cidr_contains("10.0.0.0/8", "x")',
    { code: 'eval_builtin_error', msg: 'not a valid textual representation of an IP address or CIDR: x' },
  ],
  [
    'net.cidr_contains("10.0.0/8", "10.0.0.1")',
    { code: 'eval_builtin_error', msg: 'invalid CIDR address: 10.0.0/8' },
  ],
  ['net.cidr_intersects("10.0.0.0/8", "10.1.0.0/16")', 'true'],
  ['net.cidr_intersects("10.0.0.0/16", "10.1.0.0/16")', 'false'],
  ['net.cidr_is_valid("1.2.3.04/8")', 'false'],
  ['net.cidr_is_valid("fe80::/10")', 'true'],
  ['net.cidr_is_valid("1.2.3.4/33")', 'false'],
  ['net.cidr_expand("192.168.1.4/30")', '["192.168.1.4","192.168.1.5","192.168.1.6","192.168.1.7"]'],
  ['net.cidr_expand("2001:db8::/127")', '["2001:db8::","2001:db8::1"]'],
  [
    'net.cidr_expand("10.0.0.0/4")',
    { code: 'eval_builtin_error', msg: 'net.cidr_expand: 0.0.0.0/4 has more than' },
  ],
  ['net.cidr_merge(["192.0.128.0/24", "192.0.129.0/24"])', '["192.0.128.0/23"]'],
  ['net.cidr_merge(["192.0.2.112/30", "192.0.2.116/31", "192.0.2.118/31"])', '["192.0.2.112/29"]'],
  ['net.cidr_merge({"10.0.0.1", "2001:db8::/33", "2001:db8:8000::/33"})', '["10.0.0.1/8","2001:db8::/32"]'],
  [
    'net.cidr_merge(["2001:db8::1"])',
    { code: 'eval_builtin_error', msg: 'IPv6 invalid: needs prefix length' },
  ],
  [
    'net.cidr_contains_matches(["10.0.0.0/8", "192.168.0.0/16"], {"a": "10.1.1.1", "b": ["192.168.1.1", "x"]})',
    '[[0,"a"],[1,"b"]]',
  ],
  [
    'net.cidr_contains_matches("10.0.0.0/8", [[]])',
    { code: 'eval_builtin_error', msg: 'operand 2: element must be string or non-empty array' },
  ],
  ['net.lookup_ip_addr("::")', '["::"]'],
  ['net.lookup_ip_addr("10.0.0.1")', '["10.0.0.1"]'],
];

runCases(CASES);
