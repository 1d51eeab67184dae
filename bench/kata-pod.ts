import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSettings, policyData, policyWithData } from '../integration/index.js';
import {
  decode,
  encode,
  type MessageName,
  policyInputValue,
  requestFromPolicyInput,
} from '../proto/index.js';

// One Kubernetes-style pod as Kata's runtime would present it to the agent (a pause sandbox and
// an app container that may exec `echo hi`), and the policy genpolicy would write for it: shared
// by the proxy bench (through the proxy) and the policy bench (the engine alone).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Kata's rules.rego, from the shared conformance data beside the checkout. */
export const RULES = join(ROOT, '..', 'shared', 'conformance', 'kata-policy', 'rules', 'rules.rego');

/** The pod's sandbox (pause) container id. */
export const SANDBOX_ID = 'a'.repeat(64);
/** The pod's app container id. */
export const APP_ID = 'b'.repeat(64);
const CAPS = ['CAP_CHOWN', 'CAP_KILL'];
const NETNS = '/var/run/netns/cni1';
const NAMESPACES = [
  { Type: 'ipc', Path: '' },
  { Type: 'uts', Path: '' },
  { Type: 'mount', Path: '' },
];
const MASKS = { MaskedPaths: ['/proc/kcore'], ReadonlyPaths: ['/proc/sys'] };

function process_(args: string[], caps: boolean): Record<string, unknown> {
  return {
    Terminal: false,
    User: { UID: 65535, GID: 65535, AdditionalGids: [65535], Username: '' },
    Args: args,
    Env: ['PATH=/usr/bin:/bin'],
    Cwd: '/',
    Capabilities: caps
      ? { Bounding: CAPS, Effective: CAPS, Inheritable: [], Permitted: CAPS, Ambient: [] }
      : null,
    NoNewPrivileges: true,
  };
}

/** The CreateContainerRequest (policy-input form) the runtime sends for the sandbox or the app. */
export function createContainerInput(kind: 'sandbox' | 'container', id: string): Record<string, unknown> {
  const annotations: Record<string, string> = {
    'io.kubernetes.cri.container-type': kind,
    'io.kubernetes.cri.sandbox-id': SANDBOX_ID,
    'io.kubernetes.cri.sandbox-name': 'mypod',
    'io.kubernetes.cri.sandbox-namespace': 'default',
    'io.katacontainers.pkg.oci.container_type': kind === 'sandbox' ? 'pod_sandbox' : 'pod_container',
    ...(kind === 'sandbox'
      ? {
          'nerdctl/network-namespace': NETNS,
          'io.kubernetes.cri.sandbox-log-directory': '/var/log/pods/default_mypod_1234',
        }
      : { 'io.kubernetes.cri.container-name': 'app' }),
  };
  const input = {
    container_id: id,
    exec_id: id,
    OCI: {
      Version: '1.1.0',
      Process: process_(kind === 'sandbox' ? ['/pause'] : ['sh'], true),
      Root: { Path: `/run/kata-containers/shared/containers/${id}/rootfs`, Readonly: kind === 'sandbox' },
      Annotations: annotations,
      // rules.rego reads Resources.Devices, so the message must be present (genpolicy's runtime sends it).
      Linux: {
        Namespaces: [...NAMESPACES, { Type: 'network', Path: NETNS }],
        ...MASKS,
        Resources: { Devices: [] },
      },
    },
  };
  return input;
}

/**
 * Kata's rules.rego with the `policy_data` genpolicy would write for this pod, derived from the
 * pod's own CreateContainer requests by the shared generator (integration/policy-data): the pause
 * sandbox, and the app container that may exec `echo hi`. Reads are allowed so the bench measures
 * the ReadStdout path.
 */
export function benchPolicy(): string {
  const asPolicyInput = (input: Record<string, unknown>): Record<string, unknown> => {
    const name: MessageName = 'grpc.CreateContainerRequest';
    return policyInputValue(name, decode(name, typed(name, input))) as Record<string, unknown>;
  };
  const data = policyData(
    [
      { request: asPolicyInput(createContainerInput('sandbox', SANDBOX_ID)), execCommands: [] },
      { request: asPolicyInput(createContainerInput('container', APP_ID)), execCommands: [['echo', 'hi']] },
    ],
    {
      settings: parseSettings(readFileSync(join(dirname(RULES), 'genpolicy-settings.json'), 'utf8')),
      requestDefaults: { ReadStreamRequest: true },
    },
  );
  return policyWithData(readFileSync(RULES, 'utf8'), data);
}

/** A request's wire bytes from its policy-input form. */
export function typed(name: MessageName, input: unknown): Uint8Array {
  return encode(name, requestFromPolicyInput(name, input as never) as never);
}

/** One benchmarked RPC: its method and request bytes. */
export interface Rpc {
  readonly method: string;
  readonly bytes: Uint8Array;
  /** Requests that calls send in turn instead of `bytes` alone (see {@link requestBytes}). */
  readonly variants?: readonly Uint8Array[];
}

/** Distinct exec ids the ExecProcess calls cycle through. */
const EXEC_VARIANTS = 4096;

/**
 * The bench pod's ExecProcess under exec id `n`: the same process each time, as kubelet's exec
 * probes send it, each under an id of its own, as the runtime numbers execs. A cache keyed by
 * the request's bytes would never hit.
 */
export function execRequest(n: number): Uint8Array {
  return typed('grpc.ExecProcessRequest', {
    container_id: APP_ID,
    exec_id: `exec-${n.toString(16).padStart(8, '0')}`,
    process: process_(['echo', 'hi'], false),
  });
}

/** The request the `n`th call of an RPC sends. */
export function requestBytes(rpc: Rpc, n: number): Uint8Array {
  const v = rpc.variants;
  return v === undefined || v.length === 0 ? rpc.bytes : v[n % v.length]!;
}

/** The benchmarked RPCs of the app container: CreateContainer, ExecProcess, ReadStdout. */
export const RPCS: readonly Rpc[] = [
  {
    method: 'CreateContainer',
    bytes: typed('grpc.CreateContainerRequest', createContainerInput('container', APP_ID)),
  },
  {
    method: 'ExecProcess',
    bytes: execRequest(0),
    variants: Array.from({ length: EXEC_VARIANTS }, (_, n) => execRequest(n)),
  },
  {
    method: 'ReadStdout',
    bytes: typed('grpc.ReadStreamRequest', { container_id: APP_ID, exec_id: 'exec1', len: 1024 }),
  },
];
