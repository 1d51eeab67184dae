import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  Engine,
  KataPolicy,
  ObjectV,
  PolicyError,
  parseJson,
  toJson,
  toPrettyJson,
  type Value,
} from '../policy/index.js';
import { EXIT_FAILURE } from './errors.js';

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function files(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const e of readdirSync(p).sort()) {
        const full = join(p, e);
        if (statSync(full).isDirectory()) out.push(...files([full]));
        else if (e.endsWith('.rego') || e.endsWith('.json')) out.push(full);
      }
    } else out.push(p);
  }
  return out;
}

function errorJson(err: unknown): string {
  const code = err instanceof PolicyError ? err.code : 'ward_error';
  const message = err instanceof Error ? err.message : String(err);
  return JSON.stringify({ errors: [{ code, message }] }, null, 2);
}

interface EvalOpts {
  data: string[];
  input?: string;
  v0Compatible?: boolean;
  strictBuiltinErrors?: boolean;
  format: string;
}

function evalCommand(query: string, o: EvalOpts): void {
  try {
    const engine = new Engine({
      v0Compatible: o.v0Compatible === true,
      strictBuiltinErrors: o.strictBuiltinErrors === true,
    });
    for (const f of files(o.data)) {
      const text = readFileSync(f, 'utf8');
      if (f.endsWith('.json')) engine.addData(text);
      else engine.addPolicy(f, text);
    }
    if (o.input !== undefined) engine.setInputJson(readFileSync(o.input, 'utf8'));
    const r = engine.evalQuery(query);
    for (const p of r.prints) process.stderr.write(`${p}\n`);
    const out = new ObjectV();
    if (r.rows.length > 0) {
      out.set(
        'result',
        r.rows.map((row) => {
          const o2 = new ObjectV();
          o2.set(
            'expressions',
            row.expressions.map((x) =>
              ObjectV.from([
                ['value', x.value],
                ['text', x.text],
                [
                  'location',
                  ObjectV.from([
                    ['row', BigInt(x.location.row)],
                    ['col', BigInt(x.location.col)],
                  ]),
                ],
              ]),
            ),
          );
          if (row.bindings.size > 0) o2.set('bindings', ObjectV.from(row.bindings));
          return o2;
        }),
      );
    }
    process.stdout.write(o.format === 'pretty' ? pretty(r.rows) : `${toPrettyJson(out)}\n`);
  } catch (err) {
    process.stdout.write(`${errorJson(err)}\n`);
    process.exitCode = EXIT_FAILURE;
  }
}

/**
 * `-f pretty`, as opa eval prints it: the value alone for a query without variables, otherwise
 * one table row per solution; `undefined` when there is none.
 */
function pretty(
  rows: readonly { expressions: readonly { value: Value }[]; bindings: ReadonlyMap<string, Value> }[],
): string {
  if (rows.length === 0) return 'undefined\n';
  const names = [...new Set(rows.flatMap((r) => [...r.bindings.keys()]))];
  if (names.length === 0)
    return rows.map((r) => r.expressions.map((e) => `${toPrettyJson(e.value)}\n`).join('')).join('');
  const cells = rows.map((r) => names.map((n) => (r.bindings.has(n) ? toJson(r.bindings.get(n)!) : '')));
  const widths = names.map((n, i) => Math.max(n.length, ...cells.map((c) => c[i]!.length)));
  const line = (cs: readonly string[]): string =>
    `| ${cs.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |\n`;
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  return rule + line(names) + rule + cells.map(line).join('') + rule;
}

function readArg(arg: string | undefined): Value {
  if (arg === undefined) return new ObjectV();
  return parseJson(arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg);
}

/** Registers `ward policy eval` (opa eval compatible) and `ward policy decide` (Kata semantics). */
export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('Rego policy engine and Kata agent policy decisions');
  policy
    .command('eval')
    .description('evaluate a Rego query, printing results like `opa eval`')
    .argument('<query>', 'Rego query')
    .option('-d, --data <path>', 'policy (.rego) or data (.json) file or directory; repeatable', collect, [])
    .option('-i, --input <file>', 'input document (JSON)')
    .option('--v0-compatible', 'parse modules as Rego v0 unless they import rego.v1')
    .option('--strict-builtin-errors', 'treat builtin errors as fatal')
    .option('-f, --format <format>', 'json or pretty', 'json')
    .action((query: string, o: EvalOpts) => evalCommand(query, o));
  policy
    .command('decide')
    .description('decide one Kata agent request with the stateful Kata policy semantics')
    .argument('<request>', 'request name, e.g. CreateContainerRequest')
    .argument('[json]', 'request as JSON, or @file')
    .requiredOption('-d, --data <file>', 'policy file')
    .option('--state <file>', 'initial data.pstate (JSON)')
    .action((request: string, json: string | undefined, o: { data: string; state?: string }) => {
      const kp = new KataPolicy(readFileSync(o.data, 'utf8'), { file: o.data });
      if (o.state !== undefined) kp.setState(parseJson(readFileSync(o.state, 'utf8')));
      const d = kp.decide(request, readArg(json));
      const out = ObjectV.from([
        ['request', d.request],
        ['allowed', d.allowed],
        ['ops', d.ops],
        ['prints', [...d.prints]],
        ['message', d.message],
        ['state', d.state],
      ] as [Value, Value][]);
      process.stdout.write(`${toPrettyJson(out)}\n`);
      if (!d.allowed) process.exitCode = 1;
    });
}
