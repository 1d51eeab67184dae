import type { Command } from 'commander';
import {
  cgroupsOfPid,
  DEFAULT_REGISTRY_SOCKET,
  DEFAULT_SELECTOR_OPTIONS,
  DEFAULT_STATE_DIR,
  type IdentityLookup,
  type IdentityRecord,
  IdentityStore,
  lookupCgroupPaths,
  lookupContainer,
  RegistryClient,
  selectorValues,
  startRegistryServer,
} from '../identity/index.js';
import { CliError } from './errors.js';
import type { CommandRegistrar } from './program.js';

interface ShowOptions {
  socket: string;
  stateDir?: string;
  json?: boolean;
  pid?: string;
}

function describe(l: IdentityLookup): string {
  const r = l.record;
  const sig = r.imageSignatureVerified
    ? { status: 'verified' as const, subject: r.imageSignatureSubject }
    : null;
  const rows: [string, string][] = [
    ['container', r.containerId],
    ['sandbox', r.sandboxId],
    ['pod', r.namespace || r.podName ? `${r.namespace}/${r.podName}` : ''],
    ['pod uid', r.podUid],
    ['container name', r.containerName],
    ['init container', String(r.initContainer)],
    ['image', r.imageName],
    ['image digest', r.imageDigest],
    ['image signature', r.imageSignatureVerified ? `verified (${r.imageSignatureSubject})` : 'not verified'],
    ['service account', r.serviceAccount],
    ['policy digest', r.policyDigest],
    ['init-data digest', r.initdataDigest],
    ['log sequence', r.logSequence === null ? 'unmeasured' : String(r.logSequence)],
    ['register value', r.registerValue],
    ['cgroups path', r.cgroupsPath],
    ['created', r.createdAt],
  ];
  const labels = Object.entries(r.podLabels).map(([k, v]) => `${k}=${v}`);
  if (labels.length > 0) rows.push(['pod labels', labels.join(', ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.filter(([, v]) => v !== '').map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  lines.push('selectors (before signature checks of the plugin):');
  for (const s of selectorValues(l, sig, DEFAULT_SELECTOR_OPTIONS)) lines.push(`  ${s}`);
  return lines.join('\n');
}

function table(records: readonly IdentityRecord[]): string {
  const head = ['CONTAINER', 'NAMESPACE/POD', 'NAME', 'IMAGE', 'SEQ', 'SIGNED'];
  const rows = records.map((r) => [
    r.containerId.slice(0, 16),
    r.namespace || r.podName ? `${r.namespace}/${r.podName}` : '-',
    r.containerName || '-',
    r.imageName || '-',
    r.logSequence === null ? '-' : String(r.logSequence),
    r.imageSignatureVerified ? 'yes' : 'no',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [head, ...rows]
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function show(container: string | undefined, opts: ShowOptions): Promise<void> {
  const store = opts.stateDir ? new IdentityStore(opts.stateDir) : undefined;
  const client = store ? undefined : new RegistryClient(opts.socket);
  if (opts.pid !== undefined) {
    if (container) throw new CliError('give a container id or --pid, not both');
    if (!/^[1-9][0-9]{0,9}$/.test(opts.pid)) throw new CliError(`--pid: not a process id: ${opts.pid}`);
    const pid = Number(opts.pid);
    const l = store
      ? await lookupCgroupPaths(store, (await cgroupsOfPid(pid)).paths)
      : await client!.byPid(pid);
    if (!l) throw new CliError(`process ${pid} is not in a container Ward recorded`);
    process.stdout.write(`${opts.json ? JSON.stringify(l, null, 2) : describe(l)}\n`);
    return;
  }
  if (container) {
    const l = store ? await lookupContainer(store, container) : await client!.get(container);
    if (!l) throw new CliError(`no identity recorded for container ${container}`);
    process.stdout.write(`${opts.json ? JSON.stringify(l, null, 2) : describe(l)}\n`);
    return;
  }
  const all = store ? await store.list() : await client!.list();
  process.stdout.write(`${opts.json ? JSON.stringify(all, null, 2) : table(all)}\n`);
}

/** `ward identity show [CONTAINER | --pid PID]` and `ward identity serve`. */
export const registerIdentity: CommandRegistrar = (program: Command) => {
  const id = program
    .command('identity')
    .description('container identities recorded by Ward (SPIRE attestation)');
  id.command('show')
    .description('print one container identity, or list them all')
    .argument('[container]', 'container id')
    .option('--socket <path>', 'identity registry socket', DEFAULT_REGISTRY_SOCKET)
    .option('--state-dir <dir>', 'read the registry state directory directly instead of the socket')
    .option('--pid <pid>', 'show the container this process runs in')
    .option('--json', 'print JSON')
    .action((container: string | undefined, opts: ShowOptions) => show(container, opts));
  id.command('serve')
    .description('serve the identity registry on a root-only unix socket')
    .option('--socket <path>', 'socket to listen on', DEFAULT_REGISTRY_SOCKET)
    .option('--state-dir <dir>', 'registry state directory', DEFAULT_STATE_DIR)
    .action(async (opts: { socket: string; stateDir: string }) => {
      // The signal is caught from before listen(2): a client can connect (and a supervisor can
      // send SIGTERM) before startRegistryServer resolves, and dying then leaves the socket file.
      const signalled = new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      const server = await startRegistryServer({
        socketPath: opts.socket,
        store: new IdentityStore(opts.stateDir),
      });
      process.stderr.write(`ward identity: serving ${server.socketPath}\n`);
      await signalled;
      await server.close();
    });
};
