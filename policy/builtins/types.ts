import { typeName } from '../value/index.js';
import type { BuiltinRegistry } from './registry.js';

/** Registers `is_<type>` and `type_name`. */
export function registerTypes(r: BuiltinRegistry): void {
  for (const t of ['null', 'boolean', 'number', 'string', 'array', 'object', 'set'] as const) {
    r.register({ name: `is_${t}`, arity: 1, impl: ([v]) => typeName(v!) === t });
  }
  r.register({ name: 'type_name', arity: 1, impl: ([v]) => typeName(v!) });
}
