import { identitySuite } from './identity.js';
import { measureSuite } from './measure.js';
import { POLICY_BENCH } from './policy.js';
import { protoSuite } from './proto.js';
import { proxySuite } from './proxy.js';
import { shimBench } from './shim.js';
import type { BenchTable } from './table.js';
import { ttrpcSuite } from './ttrpc.js';

/** One benchmark suite of `make bench`: a name (for `BENCH=<name>`) and a runner producing tables. */
export interface BenchSuite {
  readonly name: string;
  readonly run: () => Promise<readonly BenchTable[]>;
}

/** Every suite, in the order `make bench` runs them. Each area adds one line. */
export const SUITES: readonly BenchSuite[] = [
  measureSuite,
  POLICY_BENCH,
  identitySuite,
  shimBench,
  ttrpcSuite,
  protoSuite,
  proxySuite,
];
