/**
 * Guest paths the Kata runtime uses (virtcontainers kata_agent.go); a policy checks requests
 * against exactly these, so Ward must produce the same ones.
 */
export const KATA_GUEST_SHARED_DIR = '/run/kata-containers/shared/containers';

/** Guest directory of sandbox-wide state (shm, ephemeral storages). */
export const KATA_GUEST_SANDBOX_DIR = '/run/kata-containers/sandbox';

/** Sandbox shm mount point in the guest. */
export const KATA_GUEST_SHM = `${KATA_GUEST_SANDBOX_DIR}/shm`;

/** Mount tag of the shared directory (virtio-fs) as the Kata runtime names it. */
export const KATA_SHARED_TAG = 'kataShared';

/** Kata's default /dev/shm size when the sandbox has none (65536 KiB). */
export const KATA_DEFAULT_SHM_SIZE = 65536 * 1024;

/** Guest rootfs path of a container: the shared dir, the container id, `rootfs`. */
export function guestRootfs(containerId: string): string {
  return `${KATA_GUEST_SHARED_DIR}/${containerId}/rootfs`;
}
