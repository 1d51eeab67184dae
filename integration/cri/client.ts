import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';

// The .proto parser is in the full protobufjs build; loaded when a client is made, so that
// processes importing integration/ only for its other parts keep the light build.
const require = createRequire(import.meta.url);

/** Fully qualified name of the CRI runtime service. */
export const CRI_RUNTIME_SERVICE = 'runtime.v1.RuntimeService';

/** Deadline of one CRI call. */
export const CRI_CALL_TIMEOUT_MS = 60_000;

type Json = Record<string, unknown>;

/** The methods of the runtime.v1 subset in api.proto. */
export const CRI_METHODS = [
  'Version',
  'RunPodSandbox',
  'StopPodSandbox',
  'RemovePodSandbox',
  'CreateContainer',
  'StartContainer',
  'StopContainer',
  'RemoveContainer',
  'ContainerStatus',
  'UpdateContainerResources',
  'ExecSync',
] as const;

/** One CRI method name. */
export type CriMethod = (typeof CRI_METHODS)[number];

/** api.proto next to this file's source (tsc does not copy .proto files into dist). */
function protoPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, 'api.proto'),
    join(here, '..', '..', '..', 'integration', 'cri', 'api.proto'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`CRI api.proto not found (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * A CRI runtime.v1 client over @grpc/grpc-js, encoding with protobufjs from Ward's own subset
 * of the upstream api.proto. Messages are plain objects with proto field names; 64-bit integers
 * decode as numbers, bytes as Buffers, enums as numbers.
 */
export class CriClient {
  private readonly client: grpc.Client;
  private readonly root: protobuf.Root;

  /**
   * Connects to containerd's grpc socket (the CRI plugin serves there). @grpc/grpc-js is loaded
   * here, not at import time, so processes that only import integration/ never pay for it.
   */
  static async connect(socket: string): Promise<CriClient> {
    const grpcjs = await import('@grpc/grpc-js');
    return new CriClient(socket, grpcjs);
  }

  private constructor(socket: string, grpcjs: typeof grpc) {
    const full = require('protobufjs') as typeof import('protobufjs');
    this.root = new full.Root().loadSync(protoPath(), { keepCase: true });
    this.root.resolveAll();
    const service = this.root.lookupService(CRI_RUNTIME_SERVICE);
    const def: Record<string, grpc.MethodDefinition<Json, Json>> = {};
    for (const m of CRI_METHODS) {
      const method = service.methods[m];
      if (!method) throw new Error(`api.proto lacks ${m}`);
      const req = this.root.lookupType(method.requestType);
      const res = this.root.lookupType(method.responseType);
      def[m] = {
        path: `/${CRI_RUNTIME_SERVICE}/${m}`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (v: Json) => Buffer.from(req.encode(req.fromObject(v)).finish()),
        requestDeserialize: (b: Buffer) => req.toObject(req.decode(b)),
        responseSerialize: (v: Json) => Buffer.from(res.encode(res.fromObject(v)).finish()),
        responseDeserialize: (b: Buffer) =>
          res.toObject(res.decode(b), { longs: Number, enums: Number, defaults: true }),
      };
    }
    const Ctor = grpcjs.makeGenericClientConstructor(def, CRI_RUNTIME_SERVICE);
    this.client = new Ctor(`unix://${socket}`, grpcjs.credentials.createInsecure());
  }

  /** Calls one method; rejects with the gRPC error (code and details) on failure. */
  call(method: CriMethod, request: Json, timeoutMs = CRI_CALL_TIMEOUT_MS): Promise<Json> {
    return new Promise((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, grpc.requestCallback<Json> | undefined>)[method];
      const invoke = fn as unknown as (
        req: Json,
        opts: grpc.CallOptions,
        cb: (err: grpc.ServiceError | null, res?: Json) => void,
      ) => void;
      invoke.call(this.client, request, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(err);
        else resolve(res ?? {});
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
