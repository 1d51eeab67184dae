import { compare, equal, type Value } from '../value/index.js';
import type { BuiltinRegistry } from './registry.js';

/** Registers `equal neq lt lte gt gte` (the `== != < <= > >=` operators). */
export function registerComparison(r: BuiltinRegistry): void {
  const cmp = (name: string, ok: (c: number) => boolean): void =>
    r.register({ name, arity: 2, impl: ([a, b]) => ok(compare(a!, b!)) });
  r.register({ name: 'equal', arity: 2, impl: ([a, b]) => equal(a!, b!) });
  r.register({ name: 'neq', arity: 2, impl: ([a, b]) => !equal(a!, b!) });
  cmp('lt', (c) => c < 0);
  cmp('lte', (c) => c <= 0);
  cmp('gt', (c) => c > 0);
  cmp('gte', (c) => c >= 0);
}

/** Exposed for families that compare values (e.g. sort). */
export function lessThan(a: Value, b: Value): boolean {
  return compare(a, b) < 0;
}
