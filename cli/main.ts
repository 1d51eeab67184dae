import { REGISTRARS } from './commands.js';
import { buildProgram, runProgram } from './program.js';

await runProgram(buildProgram(REGISTRARS), process.argv.slice(2));
