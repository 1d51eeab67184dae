import { invalidField } from './errors.js';
import { bool, type Msg, msg, msgs, num, str, strings } from './fields.js';

/** A runtime-spec `process` object, as runc reads it from config.json or process.json. */
export type RuntimeProcess = Record<string, unknown>;

/** Rlimit names runc knows (runtime-spec `RLIMIT_*`). */
const RLIMIT_RE = /^RLIMIT_[A-Z]+$/;

/**
 * Turns an oci.proto `Process` into runtime-spec JSON. `path` names the field in the request
 * (e.g. `OCI.Process`) so a bad value is reported where it was sent.
 */
export function toRuntimeProcess(p: Msg | undefined, path: string): RuntimeProcess {
  if (!p) throw invalidField(path, 'is required');
  const args = strings(p, 'Args', path);
  if (args.length === 0 || args[0] === '') throw invalidField(`${path}.Args`, 'must name a program');
  const cwd = str(p, 'Cwd', path) || '/';
  if (!cwd.startsWith('/')) throw invalidField(`${path}.Cwd`, `${JSON.stringify(cwd)} must be absolute`);
  const user = msg(p, 'User', path);
  const out: RuntimeProcess = {
    terminal: bool(p, 'Terminal', path),
    user: {
      uid: num(user, 'UID', `${path}.User`),
      gid: num(user, 'GID', `${path}.User`),
      ...optList(
        'additionalGids',
        (user?.['AdditionalGids'] as unknown[] | undefined)?.map((g, i) =>
          nonNeg(g, `${path}.User.AdditionalGids[${i}]`),
        ),
      ),
      ...optStr('username', str(user, 'Username', `${path}.User`)),
    },
    args,
    env: strings(p, 'Env', path),
    cwd,
    noNewPrivileges: bool(p, 'NoNewPrivileges', path),
  };
  const box = msg(p, 'ConsoleSize', path);
  if (box)
    out['consoleSize'] = {
      height: num(box, 'Height', `${path}.ConsoleSize`),
      width: num(box, 'Width', `${path}.ConsoleSize`),
    };
  const caps = msg(p, 'Capabilities', path);
  if (caps) {
    const cp = `${path}.Capabilities`;
    out['capabilities'] = {
      bounding: strings(caps, 'Bounding', cp),
      effective: strings(caps, 'Effective', cp),
      inheritable: strings(caps, 'Inheritable', cp),
      permitted: strings(caps, 'Permitted', cp),
      ambient: strings(caps, 'Ambient', cp),
    };
  }
  const rlimits = msgs(p, 'Rlimits', path).map((r, i) => {
    const rp = `${path}.Rlimits[${i}]`;
    const type = str(r, 'Type', rp);
    if (!RLIMIT_RE.test(type))
      throw invalidField(`${rp}.Type`, `${JSON.stringify(type)} is not an RLIMIT_* name`);
    return { type, hard: num(r, 'Hard', rp), soft: num(r, 'Soft', rp) };
  });
  if (rlimits.length > 0) out['rlimits'] = rlimits;
  const apparmor = str(p, 'ApparmorProfile', path);
  if (apparmor) out['apparmorProfile'] = apparmor;
  const oom = num(p, 'OOMScoreAdj', path);
  if (oom !== 0) out['oomScoreAdj'] = oom;
  const selinux = str(p, 'SelinuxLabel', path);
  if (selinux) out['selinuxLabel'] = selinux;
  return out;
}

function nonNeg(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw invalidField(field, 'must be a non-negative integer');
  return v;
}

function optList<T>(key: string, v: T[] | undefined): Record<string, T[]> {
  return v && v.length > 0 ? { [key]: v } : {};
}

function optStr(key: string, v: string): Record<string, string> {
  return v ? { [key]: v } : {};
}
