import { equal, ObjectV, SetV, type Value } from '../value/index.js';
import { builtinErr, typeErr } from './args.js';
import type { BuiltinRegistry } from './registry.js';
import { BuiltinError } from './registry.js';

function member(x: Value, c: Value): boolean {
  if (Array.isArray(c)) return c.some((y) => equal(x, y));
  if (c instanceof SetV) return c.has(x);
  if (c instanceof ObjectV) {
    for (const [, v] of c.rawEntries()) if (equal(x, v)) return true;
  }
  return false;
}

function* walk(v: Value, path: Value[]): Generator<Value> {
  yield [path.slice(), v];
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      path.push(BigInt(i));
      yield* walk(v[i]!, path);
      path.pop();
    }
  } else if (v instanceof ObjectV) {
    for (const [k, x] of v.entries()) {
      path.push(k);
      yield* walk(x, path);
      path.pop();
    }
  } else if (v instanceof SetV) {
    for (const x of v.values()) {
      path.push(x);
      yield* walk(x, path);
      path.pop();
    }
  }
}

/** Registers builtins the language itself relies on: `in`, `print`, `walk`, `object.get`. */
export function registerCore(r: BuiltinRegistry): void {
  r.register({ name: 'internal.member_2', arity: 2, impl: ([x, c]) => member(x!, c!) });
  r.register({
    name: 'internal.member_3',
    arity: 3,
    impl: ([k, v, c]) => {
      if (Array.isArray(c)) {
        if (typeof k !== 'bigint' || k < 0n || k >= BigInt(c.length)) return false;
        return equal(c[Number(k)]!, v!);
      }
      if (c instanceof ObjectV) {
        const x = c.get(k!);
        return x !== undefined && equal(x, v!);
      }
      if (c instanceof SetV) return c.has(k!) && equal(k!, v!);
      return false;
    },
  });
  // The evaluator formats and records print's operands itself (undefined operands included).
  r.register({ name: 'print', arity: -1, impl: () => true });
  r.register({ name: 'internal.template_string', arity: -1, impl: () => null });
  r.register({
    name: 'walk',
    arity: 1,
    impl: ([v], ctx) => {
      const out: Value[] = [];
      for (const x of walk(v!, [])) {
        ctx.tick(1);
        out.push(x);
      }
      return SetV.from(out);
    },
    relation: function* ([v], ctx) {
      for (const x of walk(v!, [])) {
        ctx.tick(1);
        yield x;
      }
    },
  });
  r.register({
    name: 'object.get',
    arity: 3,
    impl: ([o, key, dflt]) => {
      if (!(o instanceof ObjectV)) throw typeErr('object.get', 0, 'object', o!);
      if (!Array.isArray(key)) return o.get(key!) ?? dflt!;
      let cur: Value = o;
      for (const k of key) {
        let next: Value | undefined;
        if (cur instanceof ObjectV) next = cur.get(k);
        else if (Array.isArray(cur)) next = typeof k === 'bigint' && k >= 0n ? cur[Number(k)] : undefined;
        else if (cur instanceof SetV) next = cur.has(k) ? k : undefined;
        if (next === undefined) return dflt!;
        cur = next;
      }
      return cur;
    },
  });
  // Ward's engine is pure: no environment, network or configuration reaches a policy.
  r.register({ name: 'opa.runtime', arity: 0, impl: () => new ObjectV() });
  r.register({
    name: 'http.send',
    arity: 1,
    args: ['object'],
    nondeterministic: true,
    impl: ([req]) => {
      const missing = ['method', 'url'].filter((k) => (req as ObjectV).getStr(k) === undefined);
      if (missing.length > 0) {
        throw new BuiltinError(
          'eval_type_error',
          `http.send: missing required request parameters(s): {${missing.map((k) => JSON.stringify(k)).join(', ')}}`,
        );
      }
      throw builtinErr('http.send', 'network access is disabled in this policy engine');
    },
  });
  r.register({
    name: 'test.sleep',
    arity: 1,
    args: ['string'],
    nondeterministic: true,
    impl: ([d], ctx) => {
      const ms = parseDurationMs(d as string);
      if (ms === undefined) throw builtinErr('test.sleep', `invalid duration ${JSON.stringify(d)}`);
      if (ms > MAX_SLEEP_MS) throw builtinErr('test.sleep', `duration above ${MAX_SLEEP_MS} ms`);
      // Synchronous on purpose: evaluation is synchronous; the wall-clock budget still applies.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      ctx.tick(1);
      return null;
    },
  });
  r.register({ name: 'trace', arity: 1, args: ['string'], impl: () => true });
  // Inside rules the compiler gives these their value; in a bare query there is no rule.
  r.register({ name: 'rego.metadata.rule', arity: 0, impl: () => new ObjectV() });
  r.register({ name: 'rego.metadata.chain', arity: 0, impl: () => [] });
}

/** Longest `test.sleep` accepted. */
export const MAX_SLEEP_MS = 1000;

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration (`10ms`, `1.5s`, `1h2m`) into milliseconds. */
function parseDurationMs(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  if (s === '') return undefined;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (m === null) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    i = re.lastIndex;
  }
  return total;
}
