import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { podSocketPath, stripUnix, unixAddress } from '../bootstrap/address.js';
import { readBundleSpec, sandboxGroup } from '../bootstrap/bundle.js';
import { parseShimFlags } from '../bootstrap/flags.js';
import { parseStartInput } from '../bootstrap/stdin.js';
import { loadConfig } from '../config/load.js';
import { DEFAULT_CONFIG_PATH } from '../config/schema.js';
import { ShimError } from '../errors.js';
import { PodDir, pidAlive } from '../state/pod-state.js';
import type { ServeRequest } from '../worker/serve.js';

/** Everything the launcher passed on for one `start`. */
export interface StartInvocation {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: Uint8Array;
}

/** Gives a pod to a worker; resolves with the worker's pid once it serves. */
export type Assign = (req: ServeRequest) => Promise<number>;

/** Writes `<bundle>/address` atomically, as containerd's own shims do. */
export async function writeAddressFile(bundle: string, address: string): Promise<void> {
  const tmp = join(bundle, '.address');
  await writeFile(tmp, address);
  await rename(tmp, join(bundle, 'address'));
}

/**
 * The `start` contract: find the pod the container belongs to; if a live worker already serves
 * it, answer its address; otherwise validate the configuration (an unknown key or bad value
 * fails here, naming it), replace a stale socket, and hand the pod to a warm worker. The address
 * is written to the bundle and returned for the launcher to print.
 */
export async function handleStart(inv: StartInvocation, runDir: string, assign: Assign): Promise<string> {
  const flags = parseShimFlags(inv.args);
  if (flags.action !== 'start')
    throw new ShimError(`unexpected action ${flags.action || '(none)'}`, 'ERR_SHIM_INVALID');
  const namespace = flags.namespace || inv.env['NAMESPACE'] || '';
  if (!namespace) throw new ShimError('shim namespace cannot be empty', 'ERR_SHIM_INVALID');
  if (!flags.id) throw new ShimError('start: -id is required', 'ERR_SHIM_INVALID');
  const bundle = flags.bundle || inv.env['PWD'] || '';
  if (!bundle.startsWith('/'))
    throw new ShimError(`start: bundle ${bundle || '(none)'} is not absolute`, 'ERR_SHIM_INVALID');
  const input = parseStartInput(inv.stdin, flags.id, namespace);
  const spec = await readBundleSpec(bundle);
  const group = sandboxGroup(flags.id, spec.annotations);
  const configPath = input.configPath ?? process.env['WARD_CONFIG'] ?? DEFAULT_CONFIG_PATH;
  const config = await loadConfig(configPath, input.configPath !== undefined);
  const socketDir = input.socketDir ?? config.runtime.socket_dir;
  const containerdAddress = flags.address || input.grpcAddress || inv.env['GRPC_ADDRESS'] || '';
  const socket = podSocketPath(socketDir, containerdAddress, namespace, group);
  const key = basename(socket);
  const pod = new PodDir(runDir, key);
  const existing = await pod.readPod();
  if (existing && pidAlive(existing.workerPid) && existsSync(existing.socket)) {
    const address = unixAddress(existing.socket);
    await writeAddressFile(bundle, address);
    return address;
  }
  await mkdir(socketDir, { recursive: true, mode: 0o711 });
  await rm(socket, { force: true });
  const ttrpcAddress = stripUnix(input.ttrpcAddress ?? inv.env['TTRPC_ADDRESS'] ?? '');
  await assign({
    key,
    runDir,
    socket,
    namespace,
    group,
    containerdAddress,
    ttrpcAddress,
    configPath,
    config,
    debug: flags.debug,
  });
  const address = unixAddress(socket);
  await writeAddressFile(bundle, address);
  return address;
}
