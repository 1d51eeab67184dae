import { registerAggregates } from './aggregates.js';
import { registerArrays } from './arrays.js';
import { registerBits } from './bits.js';
import { registerComparison } from './comparison.js';
import { registerConversions } from './conversions.js';
import { registerCore } from './core.js';
import { registerCrypto } from './crypto.js';
import { registerEncoding } from './encoding.js';
import { registerGlob } from './glob.js';
import { registerGraph } from './graph.js';
import { registerJson } from './json.js';
import { registerJwt } from './jwt.js';
import { registerNet } from './net.js';
import { registerNumbers } from './numbers.js';
import { registerObjects } from './objects.js';
import { registerProviders } from './providers.js';
import { registerRegex } from './regex.js';
import { BuiltinRegistry } from './registry.js';
import { registerSemver } from './semver.js';
import { registerSets } from './sets.js';
import { registerStrings } from './strings.js';
import { registerTime } from './time.js';
import { registerTypes } from './types.js';
import { registerUnits } from './units.js';
import { registerUuid } from './uuid.js';

export * from './args.js';
export {
  type ArgType,
  type BuiltinContext,
  type BuiltinDef,
  BuiltinError,
  type BuiltinErrorCode,
  BuiltinRegistry,
} from './registry.js';

/** Every family's registration function, in registration order. */
export const FAMILIES: readonly ((r: BuiltinRegistry) => void)[] = [
  registerCore,
  registerComparison,
  registerNumbers,
  registerAggregates,
  registerArrays,
  registerSets,
  registerObjects,
  registerTypes,
  registerConversions,
  registerStrings,
  registerRegex,
  registerGlob,
  registerEncoding,
  registerJson,
  registerTime,
  registerCrypto,
  registerNet,
  registerSemver,
  registerUuid,
  registerUnits,
  registerBits,
  registerGraph,
  registerProviders,
  registerJwt,
];

let shared: BuiltinRegistry | null = null;

/** The registry with every standard builtin (built once; clone it before adding your own). */
export function defaultRegistry(): BuiltinRegistry {
  if (shared === null) {
    shared = new BuiltinRegistry();
    for (const register of FAMILIES) register(shared);
  }
  return shared;
}
