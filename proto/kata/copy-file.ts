import { ProtoError } from '../codec/errors.js';
import type { grpc_CopyFileRequest } from '../codec/gen/index.gen.js';
import type { JsonValue } from './json.js';
import type { KataPolicyProfile } from './profile.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** The agent's FileType for a mode: S_IFMT bits only, anything else is Unknown. */
function fileType(mode: number): string {
  switch ((mode & S_IFMT) >>> 0) {
    case S_IFREG:
      return 'Regular';
    case S_IFDIR:
      return 'Directory';
    case S_IFLNK:
      return 'Symlink';
    default:
      return 'Unknown';
  }
}

function symlinkText(data: Uint8Array): string {
  try {
    return utf8.decode(data);
  } catch (cause) {
    throw new ProtoError('ERR_POLICY_INPUT', 'CopyFileRequest: invalid symlink content (not UTF-8)', {
      cause,
    });
  }
}

/**
 * The kata-agent's PolicyCopyFileRequest: the data bytes never reach the policy; a symlink's
 * target does, as a string. Non-UTF-8 targets are refused, as the agent refuses them.
 */
export function copyFilePolicyInput(req: grpc_CopyFileRequest, profile: KataPolicyProfile): JsonValue {
  const numbers = {
    file_size: req.file_size,
    file_mode: req.file_mode,
    dir_mode: req.dir_mode,
    uid: req.uid,
    gid: req.gid,
    offset: req.offset,
  };
  if (profile.copyFile === 'symlink_src') {
    // Older agents tested the S_IFLNK bits with SFlag::contains, not an exact S_IFMT match.
    const link = (req.file_mode & S_IFLNK) === S_IFLNK;
    return { path: req.path, ...numbers, symlink_src: link ? symlinkText(req.data) : '' };
  }
  const type = fileType(req.file_mode);
  return {
    path: req.path,
    file_type: type,
    symlink_target: type === 'Symlink' ? symlinkText(req.data) : null,
    ...numbers,
  };
}

const COPY_FILE_NUMBERS = ['file_size', 'file_mode', 'dir_mode', 'uid', 'gid', 'offset'] as const;

/**
 * Rebuilds a CopyFileRequest from its policy form. Only a symlink's data survives the policy
 * form, so regular-file data comes back empty; inconsistent inputs are refused.
 */
export function copyFileFromPolicyInput(
  input: { [key: string]: JsonValue },
  profile: KataPolicyProfile,
): Record<string, unknown> {
  const keys =
    profile.copyFile === 'symlink_src'
      ? ['path', ...COPY_FILE_NUMBERS, 'symlink_src']
      : ['path', 'file_type', 'symlink_target', ...COPY_FILE_NUMBERS];
  for (const k of Object.keys(input)) {
    if (!keys.includes(k)) throw new ProtoError('ERR_POLICY_INPUT', `CopyFileRequest: unexpected key ${k}`);
  }
  const out: Record<string, unknown> = {};
  if (input.path !== undefined) out.path = input.path;
  for (const k of COPY_FILE_NUMBERS) {
    const v = input[k];
    if (v === undefined) continue;
    if (typeof v === 'number' && (k === 'file_size' || k === 'offset')) {
      if (!Number.isSafeInteger(v)) throw new ProtoError('ERR_POLICY_INPUT', `CopyFileRequest: inexact ${k}`);
      out[k] = BigInt(v);
    } else out[k] = v;
  }
  const mode = typeof input.file_mode === 'number' ? input.file_mode : 0;
  if (profile.copyFile === 'symlink_src') {
    const src = input.symlink_src ?? '';
    if (typeof src !== 'string') throw new ProtoError('ERR_POLICY_INPUT', 'CopyFileRequest: symlink_src');
    const link = (mode & S_IFLNK) === S_IFLNK;
    if (!link && src !== '')
      throw new ProtoError('ERR_POLICY_INPUT', 'CopyFileRequest: symlink_src on a non-link');
    out.data = encoder.encode(src);
    return out;
  }
  const type = input.file_type ?? 'Unknown';
  if (type !== fileType(mode)) {
    throw new ProtoError(
      'ERR_POLICY_INPUT',
      `CopyFileRequest: file_type ${String(type)} does not match file_mode`,
    );
  }
  const target = input.symlink_target ?? null;
  if (type === 'Symlink') {
    if (typeof target !== 'string')
      throw new ProtoError('ERR_POLICY_INPUT', 'CopyFileRequest: symlink_target');
    out.data = encoder.encode(target);
  } else if (target !== null) {
    throw new ProtoError('ERR_POLICY_INPUT', 'CopyFileRequest: symlink_target on a non-link');
  }
  return out;
}
