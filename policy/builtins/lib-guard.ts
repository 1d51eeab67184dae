/**
 * A wall-clock guard for regular expressions that could backtrack catastrophically. Go's RE2
 * runs in linear time; V8's engine backtracks, so a hostile pattern such as (a+)+$ could hang
 * the process. Such patterns (and long subjects under several unbounded repetitions) run inside
 * a vm script with a timeout: V8 interrupts the match, and the evaluation fails with a budget
 * error instead of hanging.
 */
import { createContext, Script } from 'node:vm';
import { builtinErr } from './args.js';
import type { Re2 } from './lib-re2.js';
import type { BuiltinContext } from './registry.js';

/** Longest a guarded regular expression operation may run. */
export const REGEX_TIME_LIMIT_MS = 250;

/** Subjects longer than this are guarded when the pattern has several unbounded repetitions. */
export const LONG_SUBJECT = 4096;

const sandbox = createContext({ run: null as (() => void) | null });
const script = new Script('run()');

/** Runs `f` under the time limit; a timeout exhausts the evaluation budget (fail closed). */
export function guarded<T>(name: string, ctx: BuiltinContext | null, f: () => T): T {
  let out: { v: T } | undefined;
  sandbox.run = () => {
    out = { v: f() };
  };
  try {
    script.runInContext(sandbox, { timeout: REGEX_TIME_LIMIT_MS });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      // Charging an impossible amount of work makes the engine abort the whole evaluation:
      // a pattern that cannot be decided must never count as "no match".
      ctx?.tick(Number.MAX_SAFE_INTEGER);
      throw builtinErr(name, `regular expression exceeded ${REGEX_TIME_LIMIT_MS}ms`);
    }
    throw e;
  } finally {
    sandbox.run = null;
  }
  return out!.v;
}

/** True when the pattern or subject make backtracking dangerous: the match must run guarded. */
export function needsGuard(r: Re2, subject: string): boolean {
  return r.risky || (r.poly && subject.length > LONG_SUBJECT);
}

/** Runs a regex operation, guarded when {@link needsGuard} says so. */
export function runRegex<T>(
  name: string,
  r: Re2,
  subject: string,
  ctx: BuiltinContext | null,
  f: () => T,
): T {
  if (needsGuard(r, subject)) return guarded(name, ctx, f);
  return f();
}
