/**
 * containerd-shim-ward-v2: public API for the CLI and tests (configuration, install files,
 * bootstrap helpers). The shim itself runs from shim/main.ts through the sh launcher.
 */
export { podSocketPath, stripUnix, unixAddress } from './bootstrap/address.js';
export { isSandboxContainer, readBundleSpec, sandboxGroup } from './bootstrap/bundle.js';
export { parseShimFlags, type ShimFlags } from './bootstrap/flags.js';
export { parseStartInput, type StartInput } from './bootstrap/stdin.js';
export { loadConfig, parseConfig } from './config/load.js';
export { CONFIG_CHECKS, DEFAULT_CONFIG, DEFAULT_CONFIG_PATH, type WardConfig } from './config/schema.js';
export { WORKER_NODE_FLAGS } from './daemon/pool.js';
export { ShimError, type ShimErrorCode } from './errors.js';
export {
  containerdDropIn,
  defaultConfigToml,
  launcherWithLib,
  runtimeClassManifest,
  WARD_HANDLER_NAME,
  WARD_RUNTIME_TYPE,
} from './install/files.js';
export { canTransition, type LifecycleEvent, type ProcessStatus, transition } from './task/lifecycle.js';
export { toWireStatus } from './task/status.js';
export { planContainer } from './translate/container.js';
export { createSandboxRequest, sandboxSharesPidNs } from './translate/sandbox.js';
