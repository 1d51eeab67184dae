import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Command } from 'commander';
import {
  AGENT_SERVICE,
  connect,
  decodeToJson,
  encodeFromJson,
  findMethod,
  HEALTH_SERVICE,
  type MessageName,
  type MethodSpec,
  serviceMethods,
} from '../proto/index.js';
import { Client, statusCodeName, TtrpcError } from '../proto/ttrpc/index.js';
import { CliError } from './errors.js';
import type { CommandRegistrar } from './program.js';

/** Default per-call timeout of `ward agent call` (WaitProcess and ReadStdout block). */
const DEFAULT_TIMEOUT_MS = 60_000;
const SERVICES = [AGENT_SERVICE, HEALTH_SERVICE] as const;

interface Resolved {
  readonly service: string;
  readonly method: string;
  readonly spec: MethodSpec;
}

/** `METHOD`, `Service/METHOD` or `/Service/METHOD` → the schema's method. */
function resolveMethod(name: string): Resolved {
  const parts = name.replace(/^\//, '').split('/');
  const method = parts.pop() ?? '';
  const services = parts.length > 0 ? [parts.join('/')] : SERVICES;
  for (const service of services) {
    const spec = findMethod(service, method);
    if (spec && (service === AGENT_SERVICE || service === HEALTH_SERVICE)) return { service, method, spec };
  }
  throw new CliError(`unknown method ${JSON.stringify(name)} (see ward agent call --list)`);
}

async function requestJson(arg: string | undefined): Promise<unknown> {
  if (arg === undefined || arg === '') return {};
  let text = arg;
  if (arg.startsWith('@')) {
    try {
      text = await readFile(arg.slice(1), 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${arg.slice(1)}: ${(err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`request is not JSON: ${(err as Error).message}`);
  }
}

/** Connects to any Ward address (a bare absolute path is a unix socket). */
async function dial(addr: string): Promise<Socket> {
  try {
    return await connect(addr.startsWith('/') ? `unix://${addr}` : addr);
  } catch (err) {
    throw new CliError(`cannot connect to ${addr}: ${(err as Error).message}`);
  }
}

function listMethods(): string {
  const lines: string[] = [];
  for (const service of SERVICES) {
    for (const m of serviceMethods(service)) {
      const spec = findMethod(service, m);
      if (spec) lines.push(`${service}/${m}\t${spec.requestType} -> ${spec.responseType}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Makes one call; resolves with the response as JSON (proto field names). */
async function callAgent(addr: string, name: string, json: unknown, timeoutMs: number): Promise<unknown> {
  const { service, method, spec } = resolveMethod(name);
  let payload: Uint8Array;
  try {
    payload = encodeFromJson(spec.requestType as MessageName, json);
  } catch (err) {
    throw new CliError(`bad ${spec.requestType}: ${(err as Error).message}`);
  }
  const socket = await dial(addr);
  const client = new Client(socket);
  try {
    const res = await client.call(service, method, payload, { timeoutMs });
    return decodeToJson(spec.responseType as MessageName, res);
  } catch (err) {
    if (err instanceof TtrpcError)
      throw new CliError(`${statusCodeName(err.grpcCode)}: ${err.message}`, 'ERR_CLI_STATUS');
    throw err;
  } finally {
    client.close();
  }
}

/** `ward agent call`: a generic Kata agent API client (like kata-agent-ctl). */
export const registerAgent: CommandRegistrar = (program: Command) => {
  const agent = program
    .command('agent')
    .description('talk to a Kata agent (kata-agent or ward-runc-agent) over ttrpc');
  agent
    .command('call')
    .description(
      'call grpc.AgentService/METHOD or grpc.Health/METHOD with a JSON request (proto field names)',
    )
    .argument('[method]', 'method name, e.g. CreateContainer, Check, grpc.Health/Version')
    .argument('[request]', 'request JSON, or @file holding it (default {})')
    .option(
      '--addr <addr>',
      'agent address: unix:///PATH, /PATH, tcp://HOST:PORT, vsock://CID:PORT, hvsock:///PATH:PORT',
    )
    .option('--list', 'list the methods and their message types')
    .option('--timeout <ms>', 'call timeout in milliseconds', String(DEFAULT_TIMEOUT_MS))
    .action(
      async (
        method: string | undefined,
        request: string | undefined,
        opts: { addr?: string; list?: boolean; timeout: string },
      ) => {
        if (opts.list) {
          process.stdout.write(listMethods());
          return;
        }
        if (!method) throw new CliError('a METHOD is required (or --list)');
        if (!opts.addr) throw new CliError('--addr is required');
        const timeout = Number(opts.timeout);
        if (!Number.isInteger(timeout) || timeout <= 0)
          throw new CliError(`--timeout ${opts.timeout}: expected milliseconds`);
        const res = await callAgent(opts.addr, method, await requestJson(request), timeout);
        process.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
      },
    );
};
