export type { BusyboxRootfs, BusyboxRootfsOptions } from './busybox.js';
export { buildBusyboxRootfs, DEFAULT_BUSYBOX } from './busybox.js';
export { RootfsError } from './errors.js';
