/**
 * Test support: a genpolicy-like generator of the `policy_data` document Kata's rules.rego reads,
 * built from the CreateContainer requests a pod's specs produce and genpolicy-settings.json.
 */
export {
  type PolicyContainer,
  type PolicyDataOptions,
  policyContainer,
  policyData,
  policyWithData,
  regexEscape,
  SANDBOX_ID_PATTERN,
} from './generate.js';
export {
  type GenpolicySettings,
  KATA_RULES_DIR,
  loadSettings,
  parseSettings,
  SHARED_FS_ROOT_PATH,
} from './settings.js';
