export type { RuncAgent, RuncAgentOptions } from './agent.js';
export { startRuncAgent } from './agent.js';
export { AGENT_ADDR_ENV, parseListenAddress } from './listen.js';
export type { AgentErrorKind, AgentLogger, ContainerState, ProcessState } from './runtime/index.js';
export {
  AgentError,
  GuestPaths,
  KATA_GUEST_SANDBOX_DIR,
  KATA_GUEST_SHARE_DIR,
  Sandbox,
} from './runtime/index.js';
export type { RequestRecord } from './service/recorder.js';
export { RequestRecorder } from './service/recorder.js';
export { toStatus } from './service/status.js';
export { AGENT_FORCE_CLEANUP_MS, AGENT_STOP_TIMEOUT_MS } from './stop.js';
