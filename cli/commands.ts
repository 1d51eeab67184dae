import { registerAgent } from './agent.js';
import { registerIdentity } from './identity.js';
import { registerInitData } from './initdata.js';
import { registerInstall } from './install.js';
import { registerLog } from './log.js';
import { registerPolicy } from './policy.js';
import type { CommandRegistrar } from './program.js';

/**
 * Every command family of `ward`. Each area adds its registrar here (one line each), in the
 * order they appear in `ward --help`.
 */
export const REGISTRARS: readonly CommandRegistrar[] = [
  registerLog,
  registerInitData,
  registerIdentity,
  registerAgent,
  registerPolicy,
  registerInstall,
];
