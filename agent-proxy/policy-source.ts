import { readFile } from 'node:fs/promises';
import { type InitData, readInitData } from '../measure/index.js';
import { AGENT_SERVICE, findMethod, policyEndpoint, serviceMethods } from '../proto/index.js';
import type { ProxyConfig } from './config.js';
import { ProxyError } from './errors.js';

/** The init-data `[data]` key holding the policy, as CoCo and the kata-agent name it. */
export const INITDATA_POLICY_KEY = 'policy.rego';

/** Where the active policy came from (recorded in the policy event). */
export type PolicyOrigin = 'initdata' | 'file' | 'allow-all' | 'default-deny';

/** A policy text and where it came from; init-data too when one was given. */
export interface PolicySource {
  readonly text: string;
  readonly origin: PolicyOrigin;
  readonly initdata?: InitData;
}

/** Every policy entry point of the agent API, e.g. `CreateContainerRequest` (deduplicated). */
export function agentRequestNames(): string[] {
  const names = new Set<string>();
  for (const m of serviceMethods(AGENT_SERVICE)) {
    const spec = findMethod(AGENT_SERVICE, m);
    if (spec !== undefined) names.add(policyEndpoint(spec.requestType));
  }
  return [...names].sort();
}

// Kata policies are parsed as Rego v0 (with future.keywords imports), as the kata-agent does;
// Ward's generated policies declare `import rego.v1` so they read the same either way.

/**
 * Ward's closed-door default, for a proxy started without any policy: every request is refused
 * with a message saying why, except SetPolicyRequest, the channel through which an authorized
 * policy can still be delivered (and measured), as the kata-agent's strict default does.
 */
export function defaultDenyPolicy(): string {
  const lines = ['package agent_policy', '', 'import rego.v1', '', 'default SetPolicyRequest := true', ''];
  const why =
    'ward-agent-proxy has no policy configured (set policy.file, init-data policy.rego, or allow_all)';
  for (const name of agentRequestNames()) {
    if (name === 'SetPolicyRequest') continue;
    lines.push(`default ${name} := false`, `${name} := false if print(${JSON.stringify(why)})`, '');
  }
  return lines.join('\n');
}

/** The explicit allow-all policy (`allow_all = true`): every request allowed, still measured. */
export function allowAllPolicy(): string {
  const lines = ['package agent_policy', '', 'import rego.v1', ''];
  for (const name of agentRequestNames()) lines.push(`default ${name} := true`);
  return `${lines.join('\n')}\n`;
}

/**
 * Resolves the policy by precedence: init-data's `policy.rego`, then the policy file, then an
 * explicit allow-all, else the closed-door default. Unreadable or malformed sources are errors.
 */
export async function resolvePolicySource(cfg: ProxyConfig): Promise<PolicySource> {
  const initdata = await loadInitData(cfg);
  const fromInit = initdata?.data[INITDATA_POLICY_KEY];
  const withInit = (s: Omit<PolicySource, 'initdata'>): PolicySource =>
    initdata === undefined ? s : { ...s, initdata };
  if (fromInit !== undefined) return withInit({ text: fromInit, origin: 'initdata' });
  if (cfg.policyFile !== '') {
    try {
      return withInit({ text: await readFile(cfg.policyFile, 'utf8'), origin: 'file' });
    } catch (err) {
      throw new ProxyError(
        'ERR_PROXY_CONFIG',
        `cannot read policy ${cfg.policyFile}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
  if (cfg.allowAll) return withInit({ text: allowAllPolicy(), origin: 'allow-all' });
  return withInit({ text: defaultDenyPolicy(), origin: 'default-deny' });
}

async function loadInitData(cfg: ProxyConfig): Promise<InitData | undefined> {
  if (cfg.initdataFile !== '' && cfg.initdataAnnotation !== '') {
    throw new ProxyError('ERR_PROXY_CONFIG', 'give init-data as a file or as an annotation value, not both');
  }
  let raw: Buffer;
  if (cfg.initdataAnnotation !== '') raw = Buffer.from(cfg.initdataAnnotation, 'latin1');
  else if (cfg.initdataFile !== '') {
    try {
      raw = await readFile(cfg.initdataFile);
    } catch (err) {
      throw new ProxyError(
        'ERR_PROXY_CONFIG',
        `cannot read init-data ${cfg.initdataFile}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  } else return undefined;
  try {
    return readInitData(raw);
  } catch (err) {
    throw new ProxyError('ERR_PROXY_CONFIG', `init-data: ${(err as Error).message}`, { cause: err });
  }
}
