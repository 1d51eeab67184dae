import type { IdentityInput } from './record.js';
import type { MountLike } from './service-account.js';
import { serviceAccountFromMounts } from './service-account.js';

/** containerd's CRI annotations on every container's OCI spec (pkg/cri/annotations). */
export const CRI_ANNOTATIONS = {
  containerType: 'io.kubernetes.cri.container-type',
  sandboxId: 'io.kubernetes.cri.sandbox-id',
  sandboxName: 'io.kubernetes.cri.sandbox-name',
  sandboxNamespace: 'io.kubernetes.cri.sandbox-namespace',
  sandboxUid: 'io.kubernetes.cri.sandbox-uid',
  containerName: 'io.kubernetes.cri.container-name',
  imageName: 'io.kubernetes.cri.image-name',
} as const;

/** Value of the container-type annotation for a pod's sandbox (pause) container. */
export const CONTAINER_TYPE_SANDBOX = 'sandbox';

/**
 * The parts of a Kata `CreateContainerRequest` identity/ reads, in either the proto field names
 * (`container_id`, `OCI`) or protobufjs's camelCase (`containerId`); OCI spec fields as Kata's
 * oci.proto spells them (`Annotations`, `Mounts`, `Linux.CgroupsPath`) or lower-case.
 */
export interface CreateContainerLike {
  readonly containerId?: string;
  readonly container_id?: string;
  readonly OCI?: unknown;
  readonly oci?: unknown;
}

/** What the caller knows beyond the request: measured state and signature verdicts. */
export type CreateContainerExtras = Omit<IdentityInput, 'containerId'>;

function field(o: unknown, ...names: string[]): unknown {
  if (typeof o !== 'object' || o === null) return undefined;
  for (const n of names) {
    const v = (o as Record<string, unknown>)[n];
    if (v !== undefined) return v;
  }
  return undefined;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function annotationMap(spec: unknown): Record<string, string> {
  const raw = field(spec, 'Annotations', 'annotations');
  const out: Record<string, string> = {};
  if (raw instanceof Map) {
    for (const [k, v] of raw) if (typeof k === 'string' && typeof v === 'string') out[k] = v;
  } else if (typeof raw === 'object' && raw !== null) {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

function mountList(spec: unknown): MountLike[] {
  const raw = field(spec, 'Mounts', 'mounts');
  if (!Array.isArray(raw)) return [];
  return raw.map((m) => ({
    destination: str(field(m, 'destination', 'Destination')),
    source: str(field(m, 'source', 'Source')),
  }));
}

/** The `sha256:…` digest pinned in an image reference (`name@sha256:…`), or ''. */
export function digestFromImageName(image: string): string {
  const m = /@(sha256:[0-9a-f]{64})$/.exec(image);
  return m?.[1] ?? '';
}

/**
 * Builds an identity from a Kata CreateContainerRequest: container id, the CRI annotations of its
 * OCI spec, the service account from its projected-token mount, and its cgroups path. `extras`
 * (policy/init-data digests, log position, signature verdict) win over what the request shows.
 * Returns null for a pod's sandbox container, which has no workload identity of its own.
 */
export function identityFromCreateContainer(
  req: CreateContainerLike,
  extras: CreateContainerExtras = {},
): IdentityInput | null {
  const spec = req.OCI ?? req.oci;
  const a = annotationMap(spec);
  if (a[CRI_ANNOTATIONS.containerType] === CONTAINER_TYPE_SANDBOX) return null;
  const imageName = a[CRI_ANNOTATIONS.imageName] ?? '';
  const linux = field(spec, 'Linux', 'linux');
  return {
    sandboxId: a[CRI_ANNOTATIONS.sandboxId] ?? '',
    podName: a[CRI_ANNOTATIONS.sandboxName] ?? '',
    namespace: a[CRI_ANNOTATIONS.sandboxNamespace] ?? '',
    podUid: a[CRI_ANNOTATIONS.sandboxUid] ?? '',
    containerName: a[CRI_ANNOTATIONS.containerName] ?? '',
    imageName,
    imageDigest: digestFromImageName(imageName),
    serviceAccount: serviceAccountFromMounts(mountList(spec)),
    cgroupsPath: str(field(linux, 'CgroupsPath', 'cgroupsPath', 'cgroups_path')),
    ...extras,
    containerId: str(req.containerId ?? req.container_id),
  };
}
