import { KATA_GUEST_SHARED_DIR, KATA_SHARED_TAG } from './kata-paths.js';

type Json = Record<string, unknown>;

/** Kata's guest shared dir as its runtime writes it in the sandbox storage (trailing slash). */
const SHARED_MOUNT_POINT = `${KATA_GUEST_SHARED_DIR}/`;

/**
 * CreateSandboxRequest (agent.proto field names) as the Kata runtime builds it in startSandbox
 * with virtio-fs: hostname from the sandbox container's spec, the shared-directory storage,
 * the sandbox id; no DNS, guest hooks or kernel modules unless configured.
 */
export function createSandboxRequest(sandboxId: string, sandboxSpec: Json, sandboxPidns: boolean): Json {
  const hostname = typeof sandboxSpec['hostname'] === 'string' ? sandboxSpec['hostname'] : '';
  return {
    hostname,
    dns: [],
    storages: [
      {
        driver: 'virtio-fs',
        driver_options: [],
        source: KATA_SHARED_TAG,
        fstype: 'virtiofs',
        options: [],
        mount_point: SHARED_MOUNT_POINT,
      },
    ],
    sandbox_pidns: sandboxPidns,
    sandbox_id: sandboxId,
    guest_hook_path: '',
    kernel_modules: [],
  };
}

/**
 * Whether the sandbox shares its pid namespace, as the Kata runtime decides it from the sandbox
 * container's spec: a pid namespace that names a path.
 */
export function sandboxSharesPidNs(spec: Json): boolean {
  const linux = spec['linux'];
  const nss = typeof linux === 'object' && linux !== null ? (linux as Json)['namespaces'] : undefined;
  if (!Array.isArray(nss)) return false;
  return nss.some((n) => {
    const ns = n as Json;
    return ns['type'] === 'pid' && typeof ns['path'] === 'string' && ns['path'] !== '';
  });
}

/** DestroySandboxRequest: empty, as the Kata runtime sends it. */
export function destroySandboxRequest(): Json {
  return {};
}
