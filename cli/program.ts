import { Command, CommanderError } from 'commander';
import { EXIT_FAILURE, oneLine } from './errors.js';

/** A function that adds one command family (e.g. `policy`, `log`) to the `ward` program. */
export type CommandRegistrar = (program: Command) => void;

/**
 * Builds the `ward` command with the given command families. Commander's own usage errors are
 * turned into exit code 2 with one line, like every other failure.
 */
export function buildProgram(registrars: readonly CommandRegistrar[]): Command {
  const program = new Command('ward')
    .description('Ward: containerd shim, Kata agent proxy, policy engine and measurement log tools')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of registrars) register(program);
  for (const cmd of program.commands) applyExitOverride(cmd);
  return program;
}

function applyExitOverride(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) applyExitOverride(sub);
}

/** Runs the program; prints `ward: <message>` and exits 2 on any failure. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version output are successful exits; commander already printed them.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
        process.exitCode = 0;
        return;
      }
      process.exitCode = EXIT_FAILURE;
      return;
    }
    process.stderr.write(`ward: ${oneLine(err)}\n`);
    process.exitCode = EXIT_FAILURE;
  }
}
