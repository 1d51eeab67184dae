/**
 * How one generation of the kata-agent shows requests to its policy. The wire format only ever
 * grows (new field numbers, renamed fields keep their numbers), but the serde JSON the policy sees
 * names exactly the fields that agent version was built with, so a policy written for an older
 * agent is fed the older shape.
 */
export interface KataPolicyProfile {
  /** Short stable name (used by configuration and the CLI). */
  readonly name: string;
  /** What this profile corresponds to upstream. */
  readonly description: string;
  /**
   * The CopyFile policy form: `file_type` (current: path, file_type, symlink_target, then the
   * numeric fields) or `symlink_src` (older: the numeric fields, then symlink_src).
   */
  readonly copyFile: 'file_type' | 'symlink_src';
  /** Message full name → proto field names that this agent version does not have. */
  readonly absent: Readonly<Record<string, readonly string[]>>;
  /** Message full name → proto field name in Ward's schema → the name this agent version used. */
  readonly renamed: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The agent matching Ward's schemas (kata-containers main, see docs/SCHEMAS.md). */
export const KATA_POLICY_CURRENT: KataPolicyProfile = {
  name: 'current',
  description: 'kata-agent matching proto/schemas/kata (kata-containers main, rules.rego 7c6ba40c era)',
  copyFile: 'file_type',
  absent: {},
  renamed: {},
};

const LEGACY_ABSENT_COMMON = { 'types.Route': ['flags'], 'grpc.Storage': ['shared'] } as const;
const LEGACY_RENAMED = { 'types.Interface': { devicePath: 'pciPath' } } as const;

/**
 * Agents from before the passfd I/O ports, Route.flags, Storage.shared and Interface.devicePath
 * (it was pciPath), whose CopyFile policy input carried `symlink_src` (e.g. the 2024 regorus Kata
 * test corpus).
 */
export const KATA_POLICY_LEGACY: KataPolicyProfile = {
  name: 'legacy',
  description:
    'kata-agent before passfd ports, Route.flags, Storage.shared, devicePath; CopyFile symlink_src',
  copyFile: 'symlink_src',
  absent: {
    ...LEGACY_ABSENT_COMMON,
    'grpc.CreateContainerRequest': ['stdin_port', 'stdout_port', 'stderr_port'],
    'grpc.ExecProcessRequest': ['stdin_port', 'stdout_port', 'stderr_port'],
  },
  renamed: LEGACY_RENAMED,
};

/** Like `legacy`, but with the passfd I/O ports already present in the container/exec requests. */
export const KATA_POLICY_LEGACY_PASSFD: KataPolicyProfile = {
  name: 'legacy-passfd',
  description:
    'kata-agent with passfd ports; still pciPath, no Route.flags/Storage.shared, CopyFile symlink_src',
  copyFile: 'symlink_src',
  absent: LEGACY_ABSENT_COMMON,
  renamed: LEGACY_RENAMED,
};

/** Every built-in profile by name. */
export const KATA_POLICY_PROFILES: Readonly<Record<string, KataPolicyProfile>> = {
  [KATA_POLICY_CURRENT.name]: KATA_POLICY_CURRENT,
  [KATA_POLICY_LEGACY.name]: KATA_POLICY_LEGACY,
  [KATA_POLICY_LEGACY_PASSFD.name]: KATA_POLICY_LEGACY_PASSFD,
};
