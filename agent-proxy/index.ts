/**
 * ward-agent-proxy: a ttrpc proxy in front of the kata-agent that decides every request with a
 * stateful Rego policy and makes it durable in the measurement log before forwarding it.
 */
export { type Admission, admit } from './admission.js';
export {
  DEFAULT_AGENT,
  DEFAULT_CONFIG,
  DEFAULT_LISTEN,
  DEFAULT_LOG_PATH,
  DEFAULT_REGISTER,
  loadConfigFile,
  mergeConfig,
  type ProxyConfig,
  parseConfigToml,
} from './config.js';
export type { PolicyDecider, Verdict } from './decider.js';
export { PROXY_CLOSED, ProxyError, type ProxyErrorCode } from './errors.js';
export { type RequestEventInput, requestEventContent } from './event.js';
export { type Dialer, Forwarder, type ForwardTarget } from './forwarder.js';
export { StoreIdentitySink } from './identity-sink.js';
export { createDecider, policyDigest } from './kata-decider.js';
export { LATENCY_BUCKETS, type Outcome, ProxyMetrics } from './metrics.js';
export { serveMetrics } from './metrics-server.js';
export { CONTINUED_SOURCE, continuedPolicy, keepPolicy, keptPolicyPath } from './policy-keeper.js';
export {
  agentRequestNames,
  allowAllPolicy,
  defaultDenyPolicy,
  INITDATA_POLICY_KEY,
  type PolicyOrigin,
  type PolicySource,
  resolvePolicySource,
} from './policy-source.js';
export { AgentProxy, type AgentProxyOptions, type CreatedContainer, type IdentitySink } from './proxy.js';
export { SET_POLICY_SOURCE, statePatches } from './restore.js';
export { type RunningProxy, startProxy } from './start.js';
export { toTtrpcError } from './status.js';
export { findUnknownField, MAX_SCAN_DEPTH } from './wire-scan.js';
