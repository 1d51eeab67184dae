import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compare, Engine, fromJs, ObjectV, PolicyError, parseJson, toJson, type Value } from '../index.js';

/** One case of OPA's YAML conformance format. */
export interface ConformanceCase {
  readonly id: string;
  readonly dir: string;
  readonly note: string;
  readonly query: string;
  readonly modules: readonly string[];
  readonly data?: unknown;
  readonly input?: unknown;
  readonly input_term?: string;
  readonly want_result?: readonly Record<string, unknown>[];
  readonly sort_bindings?: boolean;
  readonly want_error_code?: string;
  readonly want_error?: string;
  readonly strict_error?: boolean;
}

/** Loads every case under a root (one sub-directory per topic). */
export function loadCases(root: string): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  if (!existsSync(root)) return out;
  for (const dir of readdirSync(root).sort()) {
    for (const file of readdirSync(join(root, dir)).sort()) {
      if (!file.endsWith('.yaml')) continue;
      const doc = parse(readFileSync(join(root, dir, file), 'utf8'), { intAsBigInt: true }) as {
        cases?: Omit<ConformanceCase, 'id' | 'dir'>[];
      };
      for (const c of doc.cases ?? []) out.push({ ...c, dir, id: `${dir}/${file}#${c.note}` });
    }
  }
  return out;
}

function normalise(v: Value, sortArrays: boolean): Value {
  // Results leave the engine the way `opa eval` prints them: sets become sorted arrays.
  let j = parseJson(toJson(v));
  if (sortArrays && Array.isArray(j)) j = [...j].sort(compare);
  return j;
}

function rowKey(row: ObjectV): string {
  return toJson(row);
}

/** Runs one case; returns null when it passes, otherwise a reason. */
export function runCase(c: ConformanceCase): string | null {
  const engine = new Engine({
    strictBuiltinErrors: c.strict_error === true,
    now: () => 1_700_000_000_000_000_000n,
  });
  try {
    (c.modules ?? []).forEach((m, i) => {
      // Module names as OPA's conformance harness gives them (they appear in error messages).
      engine.addPolicy(`test-${i}.rego`, m);
    });
    if (c.data !== undefined && c.data !== null) engine.addData(fromJs(c.data));
    if (c.input_term !== undefined) {
      const r = new Engine().evalQuery(`__x__ := ${c.input_term}`);
      engine.setInput(r.rows[0]?.bindings.get('__x__'));
    } else if (c.input !== undefined) engine.setInput(fromJs(c.input));
    const res = engine.evalQuery(c.query);
    if (c.want_error_code !== undefined || c.want_error !== undefined) {
      return `expected error ${c.want_error_code ?? ''} ${c.want_error ?? ''}, got ${res.rows.length} rows`;
    }
    const got = new Set<string>();
    for (const row of res.rows) {
      const o = new ObjectV();
      for (const [k, v] of row.bindings)
        if (!k.startsWith('__')) o.set(k, normalise(v, c.sort_bindings === true));
      got.add(rowKey(o));
    }
    const want = new Set<string>();
    for (const row of c.want_result ?? []) {
      const o = new ObjectV();
      for (const [k, v] of Object.entries(row)) o.set(k, normalise(fromJs(v), c.sort_bindings === true));
      want.add(rowKey(o));
    }
    const a = [...got].sort();
    const b = [...want].sort();
    if (a.length === b.length && a.every((x, i) => x === b[i])) return null;
    return `got ${a.join(' | ').slice(0, 300)} want ${b.join(' | ').slice(0, 300)}`;
  } catch (err) {
    const code = err instanceof PolicyError ? err.code : 'internal';
    const msg = err instanceof Error ? err.message : String(err);
    if (c.want_error_code !== undefined || c.want_error !== undefined) {
      if (c.want_error_code !== undefined && code !== c.want_error_code) return `error code ${code}: ${msg}`;
      if (c.want_error !== undefined && !msg.includes(c.want_error)) return `error message ${msg}`;
      return null;
    }
    return `error ${code}: ${msg}`;
  }
}

/** Per-directory tallies and the failing case ids. */
export interface ConformanceReport {
  readonly perDir: Map<string, { passed: number; failed: number }>;
  readonly failures: Map<string, string>;
  readonly total: number;
}

/** Runs every case under the roots. */
export function runAll(roots: readonly string[]): ConformanceReport {
  const perDir = new Map<string, { passed: number; failed: number }>();
  const failures = new Map<string, string>();
  let total = 0;
  for (const root of roots) {
    for (const c of loadCases(root)) {
      total++;
      const key = `${root.split('/').at(-1)}/${c.dir}`;
      let t = perDir.get(key);
      if (t === undefined) perDir.set(key, (t = { passed: 0, failed: 0 }));
      const why = runCase(c);
      if (why === null) t.passed++;
      else {
        t.failed++;
        failures.set(`${root.split('/').at(-1)}/${c.id}`, why);
      }
    }
  }
  return { perDir, failures, total };
}
