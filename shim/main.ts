import { fileURLToPath } from 'node:url';
import { parseShimFlags } from './bootstrap/flags.js';
import { SHIM_VERSION } from './version.js';

// Each role loads only what it needs (dynamic imports below): the daemon must come up fast on
// the cold path and never needs the agent or the schemas; a worker loads everything up front.

/** Ward's run directory: daemon control fifo, per-pod state. Tests point it at a temp dir. */
const RUN_DIR = process.env['WARD_RUN_DIR'] ?? '/run/ward';

const self = fileURLToPath(import.meta.url);

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'daemon') {
    const i = argv.indexOf('--run-dir');
    const { runDaemon } = await import('./daemon/daemon.js');
    await runDaemon(i >= 0 ? (argv[i + 1] ?? RUN_DIR) : RUN_DIR, self);
    return -1;
  }
  if (argv[0] === 'worker') {
    const [{ runWorker }, { startInProcessAgent }] = await Promise.all([
      import('./worker/worker.js'),
      import('./drivers/in-process.js'),
    ]);
    await runWorker(startInProcessAgent);
    return -1;
  }
  const flags = parseShimFlags(argv);
  if (flags.version) {
    process.stdout.write(
      `containerd-shim-ward-v2:\n  Version:  ${SHIM_VERSION}\n  Runtime:  io.containerd.ward.v2\n`,
    );
    return 0;
  }
  switch (flags.action) {
    case 'delete': {
      const { runDelete } = await import('./delete.js');
      const out = await runDelete(RUN_DIR, flags.id, flags.bundle || process.cwd());
      process.stdout.write(out);
      return 0;
    }
    case 'start':
      process.stderr.write(
        'containerd-shim-ward-v2: start runs through the launcher (dist/bin/containerd-shim-ward-v2)\n',
      );
      return 1;
    default:
      process.stderr.write(`containerd-shim-ward-v2: unknown action ${flags.action || '(none)'}\n`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`containerd-shim-ward-v2: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
