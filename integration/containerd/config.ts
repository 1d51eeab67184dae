import { join } from 'node:path';

/** Runtime type containerd resolves to the `containerd-shim-ward-v2` binary on its PATH. */
export const WARD_RUNTIME = 'io.containerd.ward.v2';

/** Runtime type of Debian's runc shim, the baseline every Ward figure is compared with. */
export const RUNC_RUNTIME = 'io.containerd.runc.v2';

/** The CRI runtime handler name Ward registers (what `runtimeClassName: ward` selects). */
export const WARD_HANDLER = 'ward';

/**
 * Plugins a private test containerd never needs. Snapshotters that want special filesystems
 * would only log errors; the CRI plugin is off (the v1 runtime stays: 1.6's tasks service requires it) unless a test asks for CRI.
 */
const ALWAYS_DISABLED = [
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.blockfile',
];

/** Directory layout of one private containerd, all under one temporary directory. */
export interface ContainerdPaths {
  readonly dir: string;
  readonly root: string;
  readonly state: string;
  readonly address: string;
  readonly ttrpcAddress: string;
  readonly config: string;
  readonly log: string;
}

/** Paths for a private containerd rooted at `dir`. */
export function containerdPaths(dir: string): ContainerdPaths {
  return {
    dir,
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    address: join(dir, 'containerd.sock'),
    ttrpcAddress: join(dir, 'containerd.sock.ttrpc'),
    config: join(dir, 'config.toml'),
    log: join(dir, 'containerd.log'),
  };
}

/** What the generated config.toml enables. */
export interface ConfigOptions {
  /** Enable the CRI plugin with runtime handler `ward` (and `runc`). */
  readonly cri?: boolean;
  /** CRI sandbox (pause) image reference. */
  readonly sandboxImage?: string;
  /** Ward config file passed to the shim as the runtime options' ConfigPath (CRI only). */
  readonly wardConfigPath?: string;
  /** containerd log level. */
  readonly logLevel?: 'debug' | 'info' | 'warn';
}

function q(s: string): string {
  return JSON.stringify(s);
}

/** Renders containerd's config.toml (version 2, the 1.6/1.7 form). */
export function renderConfig(paths: ContainerdPaths, opts: ConfigOptions = {}): string {
  const disabled = [...ALWAYS_DISABLED, ...(opts.cri ? [] : ['io.containerd.grpc.v1.cri'])];
  const lines = [
    'version = 2',
    `root = ${q(paths.root)}`,
    `state = ${q(paths.state)}`,
    `disabled_plugins = [${disabled.map(q).join(', ')}]`,
    '',
    '[grpc]',
    `  address = ${q(paths.address)}`,
    '[ttrpc]',
    `  address = ${q(paths.ttrpcAddress)}`,
    '[debug]',
    `  address = ${q(join(paths.dir, 'debug.sock'))}`,
    `  level = ${q(opts.logLevel ?? 'info')}`,
    '[metrics]',
    '  address = ""',
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(join(paths.dir, 'opt'))}`,
  ];
  if (opts.cri) {
    const cri = 'plugins."io.containerd.grpc.v1.cri"';
    lines.push(
      `[${cri}]`,
      `  sandbox_image = ${q(opts.sandboxImage ?? 'registry.k8s.io/pause:3.9')}`,
      '  disable_apparmor = true',
      // Lowering oom_score_adj needs CAP_SYS_RESOURCE, which sandboxed CI machines may lack.
      '  restrict_oom_score_adj = true',
      '  enable_selinux = false',
      `[${cri}.containerd]`,
      '  snapshotter = "overlayfs"',
      '  default_runtime_name = "runc"',
      `[${cri}.containerd.runtimes.runc]`,
      `  runtime_type = ${q(RUNC_RUNTIME)}`,
      `[${cri}.containerd.runtimes.${WARD_HANDLER}]`,
      `  runtime_type = ${q(WARD_RUNTIME)}`,
      '  pod_annotations = ["io.katacontainers.*"]',
    );
    if (opts.wardConfigPath) {
      lines.push(
        `[${cri}.containerd.runtimes.${WARD_HANDLER}.options]`,
        `  ConfigPath = ${q(opts.wardConfigPath)}`,
      );
    }
    lines.push(
      `[${cri}.cni]`,
      `  bin_dir = ${q(join(paths.dir, 'cni/bin'))}`,
      `  conf_dir = ${q(join(paths.dir, 'cni/conf'))}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
