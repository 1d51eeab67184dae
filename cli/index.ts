export { CliError, EXIT_FAILURE, oneLine } from './errors.js';
export type { CommandRegistrar } from './program.js';
export { buildProgram, runProgram } from './program.js';
