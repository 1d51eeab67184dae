import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogRecord } from '../measure/index.js';
import { OP_POLICY, WARD_DOMAIN } from '../measure/index.js';
import { ProxyError } from './errors.js';
import { policyDigest } from './kata-decider.js';
import { SET_POLICY_SOURCE } from './restore.js';

/** The `source` of the policy event of a start that continues a SetPolicy policy. */
export const CONTINUED_SOURCE = 'continued';

// A policy installed by SetPolicy is in force until the next one; a restarted proxy must not fall
// back to its configured policy (in Kata setups without init-data the configured one is the
// permissive default that SetPolicy tightens). Its text is kept beside the log, durable before
// the policy event that names it, and a start continues it when the log's last policy event is a
// SetPolicy (or a continuation of one).

/** Where the text of the last accepted SetPolicy is kept for a log at `logPath`. */
export function keptPolicyPath(logPath: string): string {
  return `${logPath}.policy`;
}

/** Writes the policy text durably and atomically (temporary file, fsync, rename, fsync dir). */
export function keepPolicy(logPath: string, text: string): void {
  const path = keptPolicyPath(logPath);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    const bytes = Buffer.from(text, 'utf8');
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/**
 * The policy a start must continue: the kept SetPolicy text when the log's last policy event is
 * a SetPolicy or a continuation of one, else undefined (the configured policy applies). Throws
 * ERR_PROXY_STATE when that text is missing or is not the policy the log names: starting with
 * another one could loosen what SetPolicy tightened.
 */
export function continuedPolicy(records: readonly LogRecord[], logPath: string): string | undefined {
  let last: { policy: unknown; source: unknown } | undefined;
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    if (r.domain !== WARD_DOMAIN || r.operation !== OP_POLICY) continue;
    try {
      last = JSON.parse(r.content) as { policy: unknown; source: unknown };
    } catch {
      throw new ProxyError('ERR_PROXY_STATE', `log record ${r.index} (policy) does not hold JSON`);
    }
    break;
  }
  if (last === undefined || (last.source !== SET_POLICY_SOURCE && last.source !== CONTINUED_SOURCE))
    return undefined;
  const path = keptPolicyPath(logPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProxyError(
      'ERR_PROXY_STATE',
      `the log's policy ${String(last.policy)} came from SetPolicy and its text is not at ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const digest = policyDigest(text);
  if (digest !== last.policy) {
    throw new ProxyError(
      'ERR_PROXY_STATE',
      `${path} is ${digest}, not the log's policy ${String(last.policy)}`,
    );
  }
  return text;
}
