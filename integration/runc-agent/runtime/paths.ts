import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative } from 'node:path';
import { invalidField } from './errors.js';

/** The Kata guest directory holding shared container rootfs and volumes (virtio-fs target). */
export const KATA_GUEST_SHARE_DIR = '/run/kata-containers/shared/containers';
/** The Kata guest directory of sandbox-wide mounts (shm, ephemeral volumes, persistent ns). */
export const KATA_GUEST_SANDBOX_DIR = '/run/kata-containers/sandbox';
/** The kata-agent's bundle base: /run/kata-containers/<cid>/config.json. */
export const KATA_CONTAINER_BASE = '/run/kata-containers';

/**
 * Maps Kata guest paths onto the agent's root directory, which stands in for the guest's `/`.
 * Every path a request names is resolved here, and none may leave the root.
 */
export class GuestPaths {
  /** The agent's root directory (absolute). */
  readonly root: string;

  /** @param root absolute directory standing in for the guest root. */
  constructor(root: string) {
    this.root = normalize(root);
  }

  /**
   * Host path of guest path `p`; throws InvalidArgument (naming `field`) if it escapes, also
   * through a symbolic link (a container may plant one in a shared directory).
   */
  resolve(p: string, field: string): string {
    if (!isAbsolute(p)) throw invalidField(field, `${JSON.stringify(p)} is not an absolute guest path`);
    const host = join(this.root, normalize(p));
    if (!within(this.root, host) || !within(realRoot(this.root), realExisting(host))) {
      throw invalidField(field, `${JSON.stringify(p)} leaves the guest root`);
    }
    return host;
  }

  /** Ward's private state below the root (runc root, sockets, persisted records). */
  get private(): string {
    return join(this.root, '.ward');
  }

  /** runc's `--root`. */
  get runcRoot(): string {
    return join(this.private, 'runc');
  }

  /** The file holding the agent's persisted sandbox record. */
  get stateFile(): string {
    return join(this.private, 'state.json');
  }

  /** Bundle directory of container `cid` (config.json lives there). */
  bundle(cid: string): string {
    return join(this.root, KATA_CONTAINER_BASE, cid);
  }

  /** Directory of persistent sandbox namespaces. */
  get nsDir(): string {
    return join(this.root, KATA_GUEST_SANDBOX_DIR, 'ns');
  }
}

function within(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function realRoot(root: string): string {
  return existsSync(root) ? realpathSync(root) : root;
}

/** The real path of `p`'s deepest existing ancestor (itself if it exists). */
function realExisting(p: string): string {
  let cur = p;
  while (!existsSync(cur)) {
    const up = dirname(cur);
    if (up === cur) return p;
    cur = up;
  }
  return join(realpathSync(cur), relative(cur, p));
}
