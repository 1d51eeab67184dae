export { ConsoleSocket, closeFd, dupFd, UNIX_PATH_MAX } from './console-socket.js';
export { Errno, SysError } from './errors.js';
export type { MountInfo, MountSpec } from './mount.js';
export {
  bindMount,
  listMounts,
  MountFlags,
  mount,
  mountsUnder,
  UmountFlags,
  unmount,
  unmountAll,
} from './mount.js';
export type { PipeFds } from './pipe.js';
export { pipe } from './pipe.js';
export type { ExitStatus } from './process.js';
export {
  decodeWaitStatus,
  isChildSubreaper,
  reapPid,
  SIGNAL_EXIT_BASE,
  setChildSubreaper,
} from './process.js';
export { setWindowSize } from './tty.js';
