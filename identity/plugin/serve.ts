import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpc } from '../lazy-deps.js';
import { pluginLog } from './log.js';
import { loadPluginRoot, serviceDefinition } from './schema.js';
import type { PluginState } from './services.js';
import {
  attestorService,
  brokerService,
  configService,
  controllerService,
  healthService,
  initService,
  stdioService,
} from './services.js';

/** SPIRE's magic cookie for WorkloadAttestor plugins: key and value are both the plugin type. */
export const MAGIC_COOKIE_KEY = 'WorkloadAttestor';
/** Value the cookie must have. */
export const MAGIC_COOKIE_VALUE = 'WorkloadAttestor';
/** go-plugin's core protocol version. */
export const CORE_PROTOCOL_VERSION = 1;
/** SPIRE's app protocol version for plugins. */
export const APP_PROTOCOL_VERSION = 1;

/** The handshake line go-plugin's host reads from the plugin's stdout. */
export function handshakeLine(socketPath: string): string {
  return `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|unix|${socketPath}|grpc\n`;
}

/** A served plugin. */
export interface ServedPlugin {
  readonly socketPath: string;
  readonly state: PluginState;
  stop(): Promise<void>;
}

/**
 * Starts the plugin's gRPC server on a fresh unix socket (in PLUGIN_UNIX_SOCKET_DIR or the
 * temporary directory) with every service go-plugin and SPIRE call.
 */
export async function servePlugin(
  state: Omit<PluginState, 'onShutdown'> & { onShutdown?: () => void },
): Promise<ServedPlugin> {
  const dir = mkdtempSync(join(process.env['PLUGIN_UNIX_SOCKET_DIR'] || tmpdir(), 'ward-spire-plugin-'));
  const socketPath = join(dir, 'plugin.sock');
  const { Server, ServerCredentials } = grpc();
  const server = new Server();
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await new Promise<void>((resolve) => {
      server.tryShutdown(() => resolve());
      setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000).unref();
    });
    rmSync(dir, { recursive: true, force: true });
  };
  const full: PluginState = { ...state, onShutdown: state.onShutdown ?? (() => void stop()) };
  const root = loadPluginRoot();
  server.addService(serviceDefinition(root, 'grpc.health.v1.Health'), healthService());
  server.addService(serviceDefinition(root, 'plugin.GRPCBroker'), brokerService(full));
  server.addService(serviceDefinition(root, 'plugin.GRPCController'), controllerService(full));
  server.addService(serviceDefinition(root, 'plugin.GRPCStdio'), stdioService());
  server.addService(serviceDefinition(root, 'spire.service.private.init.v1.Init'), initService());
  server.addService(serviceDefinition(root, 'spire.service.common.config.v1.Config'), configService(full));
  server.addService(
    serviceDefinition(root, 'spire.plugin.agent.workloadattestor.v1.WorkloadAttestor'),
    attestorService(full),
  );
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${socketPath}`, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    );
  });
  pluginLog('debug', 'plugin server listening', { socket: socketPath });
  return { socketPath, state: full, stop };
}
