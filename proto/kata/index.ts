/** Kata policy-input translation: request messages ⇄ the JSON the kata-agent gives its policy. */
export { type JsonValue, MAX_JSON_DEPTH, parseJson, stringifyJson } from './json.js';
export { policyEndpoint, rustName } from './plan.js';
export { policyInputFromRequest, policyInputValue } from './policy-input.js';
export { requestFromPolicyInput } from './policy-request.js';
export {
  KATA_POLICY_CURRENT,
  KATA_POLICY_LEGACY,
  KATA_POLICY_LEGACY_PASSFD,
  KATA_POLICY_PROFILES,
  type KataPolicyProfile,
} from './profile.js';
export { NOT_FAST, policyInputFromWire, policyInputOfType } from './wire-input.js';
