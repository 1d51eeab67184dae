/** Private containerd harness: config, lifecycle, ctr, and locally built busybox / pause images. */
export {
  type ConfigOptions,
  type ContainerdPaths,
  containerdPaths,
  RUNC_RUNTIME,
  renderConfig,
  WARD_HANDLER,
  WARD_RUNTIME,
} from './config.js';
export { HarnessError } from './errors.js';
export {
  CONTAINERD_BIN,
  CTR_BIN,
  type CtrOptions,
  type CtrResult,
  DEFAULT_NAMESPACE,
  type HarnessOptions,
  PrivateContainerd,
  unmountUnder,
} from './harness.js';
export {
  BUSYBOX_IMAGE,
  BUSYBOX_STATIC,
  type BuiltImage,
  buildBusyboxImage,
  busyboxSpec,
  goArch,
  type ImageSpec,
  PAUSE_IMAGE,
  pauseSpec,
} from './image.js';
export { DIST_BIN, startWardContainerd, type WardContainerd } from './ward.js';
