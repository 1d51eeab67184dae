import { type LogRecord, OP_INITDATA, OP_POLICY, WARD_DOMAIN } from '../measure/index.js';
import { ProxyError } from './errors.js';

/** The `source` of the policy event that follows an accepted SetPolicyRequest (proxy.ts). */
export const SET_POLICY_SOURCE = 'SetPolicyRequest';

// Which policy state a restarted proxy continues. The kata-agent keeps `data.pstate` in memory
// for the life of the VM; the proxy may restart within it (a crash, an upgrade) while the agent
// and its containers live on. Starting empty would fail closed for some requests (an exec into a
// container created before) but open for others: Kata's rules bind the sandbox name, namespace
// and network namespace on first use, and an empty state would accept a second, different one.
// So the log records the patch every allowed decision applied, and a restart replays them.

/**
 * The patches to replay, in order, to rebuild the state of `digest`'s policy from a log: those of
 * the allowed requests since the state was last reset (at a SetPolicy, or at a start with another
 * policy). Empty when the log's last policy is another one (the new policy starts fresh, as its
 * policy event shows). Throws ERR_PROXY_STATE on a Ward record whose content is not JSON.
 */
export function statePatches(records: readonly LogRecord[], digest: string): unknown[] {
  let current: string | undefined;
  let patches: unknown[] = [];
  for (const r of records) {
    if (r.domain !== WARD_DOMAIN || r.operation === OP_INITDATA) continue;
    const isPolicy = r.operation === OP_POLICY;
    // Most request events changed nothing: only those that carry `ops` are parsed.
    if (!isPolicy && !r.content.includes('"ops":')) continue;
    const content = parse(r);
    if (isPolicy) {
      if (content['source'] === SET_POLICY_SOURCE || content['policy'] !== current) patches = [];
      current = typeof content['policy'] === 'string' ? content['policy'] : undefined;
      continue;
    }
    if (content['decision'] === 'allow' && content['policy'] === current && content['ops'] !== undefined)
      patches.push(content['ops']);
  }
  return current === digest ? patches : [];
}

function parse(r: LogRecord): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(r.content);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ProxyError(
    'ERR_PROXY_STATE',
    `log record ${r.index} (${r.operation}) does not hold a JSON object`,
  );
}
