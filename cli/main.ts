import { registrarsFor } from './commands.js';
import { buildProgram, runProgram } from './program.js';

const argv = process.argv.slice(2);
await runProgram(buildProgram(await registrarsFor(argv)), argv);
