import { runCases, type Want } from './builtin-cases.js';

const CASES: readonly [string, Want][] = [
  ['semver.is_valid("1.0.0")', 'true'],
  ['semver.is_valid("v1.2.3-rc.1+build.5")', 'true'],
  ['semver.is_valid("1")', 'false'],
  ['semver.is_valid("1.0.0-")', 'true'],
  ['semver.is_valid("1.0.0-a..b")', 'false'],
  ['semver.is_valid(1)', 'false'],
  ['semver.compare("2.0.0", "1.0.0")', '1'],
  ['semver.compare("1.0.0", "1.0.0+build")', '0'],
  ['semver.compare("1.0.0-alpha", "1.0.0")', '-1'],
  ['semver.compare("1.0.0-alpha.1", "1.0.0-alpha.beta")', '-1'],
  ['semver.compare("1.0.0-rc.10", "1.0.0-rc.9")', '1'],
  ['semver.compare("1.0.0-alpha.1", "1.0.0-alpha")', '1'],
  [
    'semver.compare("1.0.0", "1")',
    { code: 'eval_builtin_error', msg: 'semver.compare: operand 2: string "1" is not a valid SemVer' },
  ],
];

runCases(CASES);
