import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { AgentError, invalidField } from './errors.js';
import { bytes, type Msg, num, str } from './fields.js';
import { type GuestPaths, KATA_CONTAINER_BASE } from './paths.js';

/** Largest data chunk one CopyFile may carry (ttrpc's whole message limit is 4 MiB). */
export const MAX_COPY_CHUNK = 4 * 1024 * 1024 - 64 * 1024;
/** Largest file CopyFile may produce. */
export const MAX_COPY_FILE = 1024 * 1024 * 1024;

/**
 * One CopyFile chunk, with the kata-agent's rules: the destination must be below
 * /run/kata-containers; chunks go into `<path>.tmp` at `offset`, and once that file has
 * `file_size` bytes it gets its mode and owner and is renamed into place.
 */
export function copyFileChunk(req: Msg, paths: GuestPaths): void {
  const guest = str(req, 'path', 'CopyFileRequest');
  if (!guest.startsWith(`${KATA_CONTAINER_BASE}/`))
    throw invalidField('path', `${JSON.stringify(guest)} is not below ${KATA_CONTAINER_BASE}`);
  const dest = paths.resolve(guest, 'path');
  const data = bytes(req, 'data', 'CopyFileRequest');
  if (data.length > MAX_COPY_CHUNK) {
    throw new AgentError(
      'RESOURCE_EXHAUSTED',
      `data: chunk of ${data.length} bytes exceeds ${MAX_COPY_CHUNK}`,
    );
  }
  const size = num(req, 'file_size', 'CopyFileRequest');
  const offset = num(req, 'offset', 'CopyFileRequest');
  if (size < 0 || size > MAX_COPY_FILE)
    throw invalidField('file_size', `must be between 0 and ${MAX_COPY_FILE}`);
  if (offset < 0 || offset + data.length > size)
    throw invalidField(
      'offset',
      `chunk [${offset}, ${offset + data.length}) is outside the file size ${size}`,
    );
  const dirMode = num(req, 'dir_mode', 'CopyFileRequest') || 0o755;
  mkdirSync(dirname(dest), { recursive: true });
  chmodSync(dirname(dest), dirMode & 0o7777);
  const tmp = `${dest}.tmp`;
  // Not O_APPEND: chunks are written at their offsets.
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT, 0o600);
  try {
    writeSync(fd, data, 0, data.length, offset);
  } finally {
    closeSync(fd);
  }
  if (statSync(tmp).size !== size) return;
  chmodSync(tmp, (num(req, 'file_mode', 'CopyFileRequest') || 0o644) & 0o7777);
  chownSync(tmp, num(req, 'uid', 'CopyFileRequest'), num(req, 'gid', 'CopyFileRequest'));
  renameSync(tmp, dest);
}
