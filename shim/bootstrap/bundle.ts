import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShimError } from '../errors.js';

/** Annotation CRI puts on every container of a pod, naming the pod's sandbox container. */
export const CRI_SANDBOX_ID = 'io.kubernetes.cri.sandbox-id';

/** Annotation CRI puts on every container: `sandbox` or `container`. */
export const CRI_CONTAINER_TYPE = 'io.kubernetes.cri.container-type';

/** Explicit grouping annotation honoured by containerd's runc shim; Ward honours it too. */
export const RUNC_GROUP = 'io.containerd.runc.v2.group';

/** Largest config.json the shim reads, far above any real OCI spec. */
export const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/** The parts of a bundle's OCI config.json the bootstrap needs. */
export interface BundleSpec {
  readonly raw: Record<string, unknown>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Reads and minimally validates `<bundle>/config.json`; a clear error when missing or bad. */
export async function readBundleSpec(bundle: string): Promise<BundleSpec> {
  const path = join(bundle, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ShimError(
      `bundle ${bundle}: cannot read config.json: ${(err as Error).message}`,
      'ERR_SHIM_INVALID',
      {
        cause: err,
      },
    );
  }
  if (text.length > MAX_SPEC_BYTES)
    throw new ShimError(`${path}: larger than ${MAX_SPEC_BYTES} bytes`, 'ERR_SHIM_INVALID');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ShimError(`${path}: not JSON: ${(err as Error).message}`, 'ERR_SHIM_INVALID', { cause: err });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ShimError(`${path}: not an OCI runtime spec object`, 'ERR_SHIM_INVALID');
  }
  const obj = raw as Record<string, unknown>;
  const ann = obj['annotations'];
  const annotations: Record<string, string> = {};
  if (ann !== undefined && ann !== null) {
    if (typeof ann !== 'object' || Array.isArray(ann))
      throw new ShimError(`${path}: annotations: not an object`, 'ERR_SHIM_INVALID');
    for (const [k, v] of Object.entries(ann)) if (typeof v === 'string') annotations[k] = v;
  }
  return { raw: obj, annotations };
}

/**
 * The sandbox (pod) a container belongs to: the explicit group annotation, else CRI's sandbox
 * id, else the container is its own sandbox.
 */
export function sandboxGroup(containerId: string, annotations: Readonly<Record<string, string>>): string {
  return annotations[RUNC_GROUP] || annotations[CRI_SANDBOX_ID] || containerId;
}

/** True when the container is its pod's sandbox container (CRI pause, or a lone container). */
export function isSandboxContainer(
  containerId: string,
  annotations: Readonly<Record<string, string>>,
): boolean {
  const type = annotations[CRI_CONTAINER_TYPE];
  if (type !== undefined) return type === 'sandbox';
  return sandboxGroup(containerId, annotations) === containerId;
}
