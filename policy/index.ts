/** Ward's Rego engine: values, builtins, the Engine facade and the Kata decision semantics. */
export * from './builtins/index.js';
export * from './value/index.js';
