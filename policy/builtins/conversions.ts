import { Dec, parseNumber } from '../value/index.js';
import { builtinErr, typeErr } from './args.js';
import type { BuiltinRegistry } from './registry.js';

/** Registers `to_number`. */
export function registerConversions(r: BuiltinRegistry): void {
  r.register({
    name: 'to_number',
    arity: 1,
    impl: ([v]) => {
      if (v === null) return 0n;
      if (typeof v === 'boolean') return v ? 1n : 0n;
      if (typeof v === 'bigint' || v instanceof Dec) return v;
      if (typeof v === 'string') {
        const n = parseNumber(v.trim() === v ? v.replace(/^\+/, '') : '');
        if (n === undefined) throw builtinErr('to_number', `invalid syntax`);
        return n;
      }
      throw typeErr('to_number', 0, ['null', 'boolean', 'number', 'string'], v!);
    },
  });
}
