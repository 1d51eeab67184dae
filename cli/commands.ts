import type { CommandRegistrar } from './program.js';

/** One command family of `ward`: its top-level command name and how to load its registrar. */
export interface CommandFamily {
  readonly name: string;
  readonly load: () => Promise<CommandRegistrar>;
}

/**
 * Every command family of `ward`, in `ward --help` order. Families load lazily: `ward agent call`
 * should not pay for the Rego engine or gRPC, and Node's module loading dominates start-up.
 * Each area adds one line here.
 */
export const FAMILIES: readonly CommandFamily[] = [
  { name: 'log', load: async () => (await import('./log.js')).registerLog },
  { name: 'initdata', load: async () => (await import('./initdata.js')).registerInitData },
  { name: 'identity', load: async () => (await import('./identity.js')).registerIdentity },
  { name: 'agent', load: async () => (await import('./agent.js')).registerAgent },
  { name: 'policy', load: async () => (await import('./policy.js')).registerPolicy },
  { name: 'install', load: async () => (await import('./install.js')).registerInstall },
];

/**
 * The registrars needed for `argv`: only the named family when the first word is one, every
 * family otherwise (help, or an unknown command, whose error should list them all).
 */
export async function registrarsFor(argv: readonly string[]): Promise<CommandRegistrar[]> {
  const first = argv[0];
  const family = FAMILIES.find((f) => f.name === first);
  const chosen = family === undefined ? FAMILIES : [family];
  return Promise.all(chosen.map((f) => f.load()));
}
