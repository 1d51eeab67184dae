/**
 * A two-container pod (pause sandbox + one app container) for the Kata rules.rego tests:
 * the `policy_data` genpolicy would write for it, and the agent requests the runtime sends.
 * Paths avoid `kata-containers` so the fixture stays readable; the rules only see patterns.
 */

const SANDBOX_ID = 'a'.repeat(64);
const APP_ID = 'b'.repeat(64);
const NETNS = '/var/run/netns/cni1';
const CAPS = ['CAP_CHOWN', 'CAP_KILL'];

/** Container ids of the fixture pod. */
export const IDS = { sandbox: SANDBOX_ID, app: APP_ID, other: 'c'.repeat(64) } as const;

function pProcess(args: string[]): Record<string, unknown> {
  return {
    Terminal: false,
    User: { UID: 65535, GID: 65535, AdditionalGids: [65535], Username: '' },
    Args: args,
    Env: ['PATH=/usr/bin:/bin'],
    Cwd: '/',
    Capabilities: { Ambient: [], Bounding: CAPS, Effective: CAPS, Inheritable: [], Permitted: CAPS },
    NoNewPrivileges: true,
  };
}

const LINUX_PATHS = { MaskedPaths: ['/proc/kcore'], ReadonlyPaths: ['/proc/sys'] };
const NAMESPACES = [
  { Type: 'ipc', Path: '' },
  { Type: 'uts', Path: '' },
  { Type: 'mount', Path: '' },
];

function pContainer(
  kind: 'sandbox' | 'container',
  args: string[],
  execs: string[][],
): Record<string, unknown> {
  const annotations: Record<string, string> = {
    'io.kubernetes.cri.container-type': kind,
    'io.kubernetes.cri.sandbox-id': '^[a-z0-9]{64}$',
    'io.kubernetes.cri.sandbox-name': 'mypod',
    'io.kubernetes.cri.sandbox-namespace': 'default',
    'io.katacontainers.pkg.oci.container_type': kind === 'sandbox' ? 'pod_sandbox' : 'pod_container',
  };
  if (kind === 'sandbox') {
    annotations['nerdctl/network-namespace'] = '^/var/run/netns/cni[0-9]+$';
    annotations['io.kubernetes.cri.sandbox-log-directory'] =
      '^/var/log/pods/$(sandbox-namespace)_$(sandbox-name)_[a-z0-9]+$';
  } else {
    annotations['io.kubernetes.cri.container-name'] = 'app';
  }
  return {
    OCI: {
      Version: '1.1.0',
      Annotations: annotations,
      Process: pProcess(args),
      Root: { Path: '$(root_path)', Readonly: kind === 'sandbox' },
      Mounts: [],
      Linux: { Namespaces: NAMESPACES, ...LINUX_PATHS, Devices: [], Sysctl: {} },
    },
    storages: [],
    devices: [],
    sandbox_pidns: false,
    exec_commands: execs,
  };
}

/** The `policy_data` rule genpolicy appends to rules.rego, as Rego source. */
export function policyDataRego(): string {
  const data = {
    containers: [pContainer('sandbox', ['/pause'], []), pContainer('container', ['sh'], [['echo', 'hi']])],
    common: {
      cpath: '/run/kata/shared',
      sfprefix: '^$(cpath)/$(bundle-id)-[a-z0-9]{16}-',
      root_path: '/run/kata/shared/$(bundle-id)/rootfs',
      spath: '/run/kata/sandbox/storage',
      ipv4_a: '100[.]64[.]0[.]0',
      ip_p: '[0-9]{1,5}',
      svc_name_downward_env: '[A-Z0-9_]+',
      dns_label: '[a-z0-9]([a-z0-9]*[a-z0-9])?',
      default_caps: CAPS,
      privileged_caps: CAPS,
    },
    devices: { vfio: { device_path: '/dev/vfio/' } },
    cluster_config: { cgroup_mount_extras_allowed: [] },
    sandbox: { storages: [] },
    request_defaults: {
      CreateContainerRequest: { allow_env_regex: [] },
      ExecProcessRequest: { allowed_commands: [], regex: [] },
      CopyFileRequest: ['$(sfprefix)hosts$'],
      UpdateRoutesRequest: { forbidden_source_regex: [], forbidden_device_names: [] },
      UpdateInterfaceRequest: { allow_raw_flags: 0, forbidden_names: [], forbidden_hw_addrs: [] },
      AddARPNeighborsRequest: { forbidden_device_names: [], forbidden_cidrs_regex: [], allowed_states: [] },
      CloseStdinRequest: false,
      ReadStreamRequest: false,
      WriteStreamRequest: false,
      UpdateEphemeralMountsRequest: false,
    },
  };
  return `\npolicy_data := ${JSON.stringify(data, null, 2)}\n`;
}

function iProcess(args: string[], caps: boolean): Record<string, unknown> {
  return {
    Terminal: false,
    ConsoleSize: null,
    User: { UID: 65535, GID: 65535, Umask: null, AdditionalGids: [65535], Username: '' },
    Args: args,
    Env: ['PATH=/usr/bin:/bin'],
    Cwd: '/',
    Capabilities: caps
      ? { Bounding: CAPS, Effective: CAPS, Inheritable: [], Permitted: CAPS, Ambient: [] }
      : null,
    Rlimits: [],
    NoNewPrivileges: true,
    ApparmorProfile: '',
    OOMScoreAdj: 0,
    SelinuxLabel: '',
  };
}

/** A CreateContainerRequest for the sandbox (pause) or the app container, in serde JSON shape. */
export function createContainer(kind: 'sandbox' | 'container', id: string): Record<string, unknown> {
  const annotations: Record<string, string> = {
    'io.kubernetes.cri.container-type': kind,
    'io.kubernetes.cri.sandbox-id': SANDBOX_ID,
    'io.kubernetes.cri.sandbox-name': 'mypod',
    'io.kubernetes.cri.sandbox-namespace': 'default',
    'io.katacontainers.pkg.oci.container_type': kind === 'sandbox' ? 'pod_sandbox' : 'pod_container',
  };
  if (kind === 'sandbox') {
    annotations['nerdctl/network-namespace'] = NETNS;
    annotations['io.kubernetes.cri.sandbox-log-directory'] = '/var/log/pods/default_mypod_1234';
  } else {
    annotations['io.kubernetes.cri.container-name'] = 'app';
  }
  return {
    container_id: id,
    exec_id: id,
    string_user: null,
    devices: [],
    storages: [],
    OCI: {
      Version: '1.1.0',
      Process: iProcess(kind === 'sandbox' ? ['/pause'] : ['sh'], true),
      Root: { Path: `/run/kata/shared/${id}/rootfs`, Readonly: kind === 'sandbox' },
      Hostname: '',
      Mounts: [],
      Hooks: null,
      Annotations: annotations,
      Linux: {
        UIDMappings: [],
        GIDMappings: [],
        Sysctl: {},
        Resources: {
          Devices: [],
          Memory: null,
          CPU: null,
          Pids: null,
          BlockIO: null,
          HugepageLimits: [],
          Network: null,
        },
        CgroupsPath: '',
        Namespaces: [...NAMESPACES, { Type: 'network', Path: NETNS }],
        Devices: [],
        Seccomp: null,
        RootfsPropagation: '',
        ...LINUX_PATHS,
        MountLabel: '',
        IntelRdt: null,
      },
      Solaris: null,
      Windows: null,
      VM: null,
    },
    sandbox_pidns: false,
    shared_mounts: [],
  };
}

/** An ExecProcessRequest running `args` in container `id`. */
export function execProcess(id: string, args: string[]): Record<string, unknown> {
  return { container_id: id, exec_id: 'exec1', string_user: null, process: iProcess(args, false) };
}

/** A RemoveContainerRequest. */
export function removeContainer(id: string): Record<string, unknown> {
  return { container_id: id, timeout: 0 };
}
