import { runCases, type Want } from './builtin-cases.js';

const CASES: readonly [string, Want][] = [
  ['crypto.md5("hello")', '"5d41402abc4b2a76b9719d911017c592"'],
  ['crypto.sha1("hello")', '"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"'],
  ['crypto.sha256("hello")', '"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"'],
  [
    'crypto.hmac.sha256("message", "key")',
    '"6e9ef29b75fffc5b7abae527d58fdadb2fe42e7219011976917343065f58ed4a"',
  ],
  ['crypto.hmac.md5("message", "key")', '"4e4748e62b463521f6775fbf921234b5"'],
  ['crypto.hmac.equal("abc", "abc")', 'true'],
  ['crypto.hmac.equal("abc", "abd")', 'false'],
  ['crypto.hmac.equal("abc", "ab")', 'false'],
  ['crypto.md5(1)', { code: 'eval_type_error', msg: 'crypto.md5: operand 1 must be string but got number' }],
];

runCases(CASES);
