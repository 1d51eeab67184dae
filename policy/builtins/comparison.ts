import type { BuiltinRegistry } from './registry.js';

/**
 * Registers the `comparison` builtin family. Not written yet: owned by the engine author (see README.md).
 * Until then the family registers nothing and policies calling it fail to compile.
 */
export function registerComparison(_registry: BuiltinRegistry): void {}
