import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceDefinition } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { protobufWithParser } from '../lazy-deps.js';

/** The .proto files the plugin serves, relative to identity/protos. */
export const PLUGIN_PROTO_FILES = [
  'grpc/health/v1/health.proto',
  'plugin/grpc_broker.proto',
  'plugin/grpc_controller.proto',
  'plugin/grpc_stdio.proto',
  'spire/service/private/init/v1/init.proto',
  'spire/service/common/config/v1/config.proto',
  'spire/plugin/agent/workloadattestor/v1/workloadattestor.proto',
] as const;

/** Fully qualified names of the services the plugin reports to SPIRE's Init. */
export const WORKLOAD_ATTESTOR_SERVICE = 'spire.plugin.agent.workloadattestor.v1.WorkloadAttestor';
/** SPIRE's common Config service. */
export const CONFIG_SERVICE = 'spire.service.common.config.v1.Config';

/** Finds identity/protos from the source tree or from dist/ (the .proto files are not compiled). */
export function protosDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'identity', 'protos');
    if (existsSync(join(candidate, PLUGIN_PROTO_FILES[0]))) return candidate;
    const here = join(dir, 'protos');
    if (existsSync(join(here, PLUGIN_PROTO_FILES[0]))) return here;
    dir = resolve(dir, '..');
  }
  throw new Error('identity/protos not found next to the plugin');
}

/** Loads every plugin schema into one protobufjs Root, field names kept as in the .proto. */
export function loadPluginRoot(dir: string = protosDir()): protobuf.Root {
  const root = new (protobufWithParser().Root)();
  root.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(dir, target));
  root.loadSync([...PLUGIN_PROTO_FILES], { keepCase: true });
  root.resolveAll();
  return root;
}

function codec(type: protobuf.Type): { ser: (v: object) => Buffer; de: (b: Buffer) => object } {
  return {
    ser: (v) => Buffer.from(type.encode(type.fromObject(v)).finish()),
    de: (b) => type.toObject(type.decode(b), { defaults: true, longs: Number, enums: Number, bytes: Buffer }),
  };
}

/** A grpc-js service definition built from a protobufjs service (no code generation). */
export function serviceDefinition(root: protobuf.Root, name: string): ServiceDefinition {
  const svc = root.lookupService(name);
  const def: Record<string, unknown> = {};
  for (const m of svc.methodsArray) {
    m.resolve();
    const req = codec(m.resolvedRequestType!);
    const res = codec(m.resolvedResponseType!);
    def[m.name] = {
      path: `/${name}/${m.name}`,
      requestStream: m.requestStream === true,
      responseStream: m.responseStream === true,
      requestSerialize: req.ser,
      requestDeserialize: req.de,
      responseSerialize: res.ser,
      responseDeserialize: res.de,
      originalName: m.name,
    };
  }
  return def as ServiceDefinition;
}
