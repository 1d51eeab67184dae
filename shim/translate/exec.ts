type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The exec'd process as the Kata runtime sends it in ExecProcessRequest (cmdToKataProcess):
 * terminal, user ids, args, env and cwd — no capabilities, rlimits, AppArmor/SELinux labels,
 * OOM score or console size; the agent applies the container's. Kata's policy depends on this
 * shape: rules.rego's allow_exec_caps refuses an ExecProcess that names any capability set.
 * `noNewPrivileges` is kept from the exec spec (CRI and ctr copy the container's value), since
 * rules.rego requires it to equal the container's and dropping it would weaken the process.
 */
export function kataExecProcess(spec: Json): Json {
  const user = isObject(spec['user']) ? spec['user'] : {};
  const out: Json = {
    terminal: spec['terminal'] ?? false,
    user: { uid: user['uid'] ?? 0, gid: user['gid'] ?? 0, additionalGids: user['additionalGids'] ?? [] },
    args: spec['args'] ?? [],
    env: spec['env'] ?? [],
    cwd: spec['cwd'] ?? '',
  };
  if (spec['noNewPrivileges'] !== undefined) out['noNewPrivileges'] = spec['noNewPrivileges'];
  return out;
}
