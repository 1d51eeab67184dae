import type {
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
  sendUnaryData,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { CgroupResolver } from '../attestor.js';
import { attestPid } from '../attestor.js';
import { IdentityError } from '../errors.js';
import { grpc } from '../lazy-deps.js';
import type { PluginConfig } from '../plugin-config.js';
import { parsePluginConfig } from '../plugin-config.js';
import { RegistryClient } from '../registry-client.js';
import { pluginLog } from './log.js';
import { CONFIG_SERVICE, WORKLOAD_ATTESTOR_SERVICE } from './schema.js';
import { toGrpcError } from './status.js';

/** The service go-plugin's host health-checks. */
export const PLUGIN_HEALTH_SERVICE = 'plugin';
const SERVING = 1;

/** Mutable state shared by the plugin's services. */
export interface PluginState {
  config: PluginConfig | null;
  registry: CgroupResolver | null;
  /** Broker announcements received from the host (service id → address). */
  readonly brokered: Map<number, string>;
  /** Called when the host asks the plugin to shut down. */
  readonly onShutdown: () => void;
  /** Makes the registry client for a configured socket; replaceable in tests. */
  readonly makeRegistry?: (socket: string) => CgroupResolver;
}

type Unary = (call: ServerUnaryCall<Record<string, unknown>, unknown>, cb: sendUnaryData<unknown>) => void;

function unary(fn: (req: Record<string, unknown>) => Promise<unknown> | unknown): Unary {
  return (call, cb) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => cb(null, res),
        (err) => cb(toGrpcError(err)),
      );
  };
}

/** grpc.health.v1.Health: `plugin` and the server as a whole are SERVING. */
export function healthService(): UntypedServiceImplementation {
  const known = (s: unknown): boolean => s === '' || s === PLUGIN_HEALTH_SERVICE;
  return {
    Check: (call: ServerUnaryCall<Record<string, unknown>, unknown>, cb: sendUnaryData<unknown>) => {
      if (known(call.request['service'])) cb(null, { status: SERVING });
      else
        cb({ code: grpc().status.NOT_FOUND, details: `unknown service ${String(call.request['service'])}` });
    },
    Watch: (call: ServerWritableStream<Record<string, unknown>, unknown>) => {
      call.write({ status: known(call.request['service']) ? SERVING : 3 });
    },
  };
}

/** plugin.GRPCBroker: accepts the host's stream and remembers what it announces. */
export function brokerService(state: PluginState): UntypedServiceImplementation {
  return {
    StartStream: (call: ServerDuplexStream<Record<string, unknown>, unknown>) => {
      call.on('data', (info: Record<string, unknown>) => {
        const id = Number(info['service_id']);
        state.brokered.set(id, `${String(info['network'])}:${String(info['address'])}`);
        pluginLog('debug', 'broker announced a host listener', { service_id: id });
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  };
}

/** plugin.GRPCController: Shutdown answers, then exits gracefully. */
export function controllerService(state: PluginState): UntypedServiceImplementation {
  return {
    Shutdown: (_call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => {
      cb(null, {});
      setImmediate(state.onShutdown);
    },
  };
}

/** plugin.GRPCStdio: this plugin writes its logs to stderr directly, so the stream stays empty. */
export function stdioService(): UntypedServiceImplementation {
  return {
    StreamStdio: (call: ServerWritableStream<unknown, unknown>) => {
      call.on('cancelled', () => call.end());
    },
  };
}

/** spire.service.private.init.v1.Init: names the services SPIRE may use; no host services needed. */
export function initService(): UntypedServiceImplementation {
  return {
    Init: unary(() => ({ plugin_service_names: [WORKLOAD_ATTESTOR_SERVICE, CONFIG_SERVICE] })),
    Deinit: unary(() => ({})),
  };
}

/** spire.service.common.config.v1.Config over the HCL plugin_data. */
export function configService(state: PluginState): UntypedServiceImplementation {
  return {
    Configure: unary((req) => {
      const config = parsePluginConfig(String(req['hcl_configuration'] ?? ''));
      state.config = config;
      state.registry = (state.makeRegistry ?? ((s: string) => new RegistryClient(s)))(config.registrySocket);
      pluginLog('info', 'configured', { registry_socket: config.registrySocket });
      return {};
    }),
    Validate: unary((req) => {
      try {
        parsePluginConfig(String(req['hcl_configuration'] ?? ''));
        return { valid: true, notes: ['configuration valid'] };
      } catch (err) {
        return { valid: false, notes: [(err as Error).message] };
      }
    }),
  };
}

/** spire.plugin.agent.workloadattestor.v1.WorkloadAttestor. */
export function attestorService(state: PluginState): UntypedServiceImplementation {
  return {
    Attest: unary(async (req) => {
      if (!state.config || !state.registry)
        throw new IdentityError('ERR_IDENTITY_NOT_CONFIGURED', 'not configured');
      const selector_values = await attestPid(Number(req['pid']), state.config, state.registry);
      return { selector_values };
    }),
  };
}
