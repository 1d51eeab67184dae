import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultRegistry, Engine } from '../policy/index.js';
import type { BenchSuite } from './suites.js';
import { type BenchTable, fmt, percentile } from './table.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = resolve(here, '../../../shared/conformance/kata-policy/regorus-kata-tests/pod-exec');
const ITERATIONS = 300;

function measure(engine: Engine, query: string, input: string, n: number): number[] {
  engine.setInputJson(input);
  for (let i = 0; i < Math.min(100, n); i++) engine.evalQuery(query);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    engine.evalQuery(query);
    out.push(performance.now() - t0);
  }
  return out;
}

function row(name: string, samples: number[]): string[] {
  const total = samples.reduce((a, b) => a + b, 0);
  return [
    name,
    fmt((samples.length * 1000) / total, 0),
    fmt(percentile(samples, 50), 3),
    fmt(percentile(samples, 99), 3),
  ];
}

async function run(): Promise<readonly BenchTable[]> {
  const rows: string[][] = [];
  const notes: string[] = [];
  const one = new Engine();
  one.addPolicy('one.rego', 'package p\nallow if input.user == "alice"');
  rows.push(row('one-rule policy', measure(one, 'data.p.allow', '{"user":"alice"}', ITERATIONS * 10)));
  if (existsSync(corpus)) {
    const source = readFileSync(join(corpus, 'policy.rego'), 'utf8');
    // Default: regorus-identical semantics (every function call re-run, all its solutions).
    const engine = new Engine({ v0Compatible: true });
    engine.addPolicy('policy.rego', source);
    // fastFunctions: same decisions, memoised functions, shorter print output.
    const fast = new Engine({ v0Compatible: true, fastFunctions: true });
    fast.addPolicy('policy.rego', source);
    // Attribution only: regex.match on a plain cached RegExp instead of the time-limited sandbox,
    // to show how much of a decision the guard costs (the corpus patterns mean the same in both).
    const registry = defaultRegistry().clone();
    const compiled = new Map<string, RegExp>();
    registry.register({
      name: 'regex.match',
      arity: 2,
      args: ['string', 'string'],
      impl: ([p, s]) => {
        let re = compiled.get(p as string);
        if (re === undefined) compiled.set(p as string, (re = new RegExp(p as string, 'u')));
        return re.test(s as string);
      },
    });
    const unguarded = new Engine({ v0Compatible: true, registry });
    unguarded.addPolicy('policy.rego', source);
    const inputs = new Map<string, string>();
    for (const line of readFileSync(join(corpus, 'inputs.txt'), 'utf8').split('\n')) {
      const m = /^\["ep":"([A-Za-z]+)",(.*)\],?$/.exec(line.trim());
      if (m !== null && !inputs.has(m[1]!)) inputs.set(m[1]!, m[2]!);
    }
    for (const ep of ['CreateContainerRequest', 'ExecProcessRequest', 'CopyFileRequest']) {
      const input = inputs.get(ep);
      if (input === undefined) continue;
      try {
        rows.push(row(`${ep} (pod-exec)`, measure(engine, `data.agent_policy.${ep}`, input, ITERATIONS)));
        rows.push(row(`${ep} (fastFunctions)`, measure(fast, `data.agent_policy.${ep}`, input, ITERATIONS)));
        if (ep === 'CreateContainerRequest') {
          const q = `data.agent_policy.${ep}`;
          rows.push(row(`${ep} (regex unguarded, attribution)`, measure(unguarded, q, input, ITERATIONS)));
        }
      } catch (err) {
        notes.push(`${ep}: ${(err as Error).message}`);
      }
    }
  } else notes.push(`Kata corpus not found at ${corpus}`);
  notes.push('Goals: CreateContainerRequest p50 < 1 ms; one-rule policy > 100,000 decisions/s.');
  notes.push('Kata rows run the pod-exec corpus policy with its first request of each kind as input.');
  return [
    {
      title: 'policy: Rego decisions (engine reused)',
      headers: ['policy', 'decisions/s', 'p50 ms', 'p99 ms'],
      rows,
      notes,
    },
  ];
}

/** Rego engine decision throughput and latency on the Kata corpus and a one-rule policy. */
export const POLICY_BENCH: BenchSuite = { name: 'policy', run };
