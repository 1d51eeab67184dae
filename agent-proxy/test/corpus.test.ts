import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openRegister, parseLog, verifyLogBytes } from '../../measure/index.js';
import {
  AGENT_SERVICE,
  encode,
  KATA_POLICY_PROFILES,
  type KataPolicyProfile,
  type MessageName,
  policyEndpoint,
  requestFromPolicyInput,
  SERVICES,
  StatusCode,
  TtrpcError,
} from '../../proto/index.js';
import { mergeConfig, startProxy } from '../index.js';
import { type AgentProcess, dialClient, KATA_CORPUS, readCorpus, startAgent, tempDir } from './harness.js';

// The corpus was recorded from two kata-agent generations (see docs/SCHEMAS.md).
const PROFILE: Record<string, string> = { 'k8s-policy-pod': 'legacy-passfd' };
// Requests that block in the agent until something happens; their answers are not awaited in order.
const BLOCKING = new Set(['GetOOMEventRequest', 'WaitProcessRequest']);

const METHOD_OF = new Map<string, { method: string; type: MessageName }>();
for (const [method, spec] of Object.entries(SERVICES[AGENT_SERVICE])) {
  const ep = policyEndpoint(spec.requestType);
  if (!METHOD_OF.has(ep)) METHOD_OF.set(ep, { method, type: spec.requestType as MessageName });
}

const folders = existsSync(KATA_CORPUS) ? readdirSync(KATA_CORPUS).sort() : [];
let root: { dir: string; cleanup: () => void };
before(() => {
  root = tempDir('ward-proxy-corpus-');
});
after(() => root.cleanup());

test('the regorus Kata corpus is present', (t) => {
  if (folders.length === 0) t.skip(`conformance corpus not found at ${KATA_CORPUS}`);
  else assert.ok(folders.length >= 6);
});

for (const folder of folders) {
  test(`corpus ${folder}: real ttrpc requests through the proxy to ward-runc-agent`, async () => {
    const dir = join(root.dir, folder);
    const agent: AgentProcess = await startAgent(dir);
    const register = `software:${join(dir, 'register')}`;
    const logPath = join(dir, 'measurement.log');
    const running = await startProxy(
      mergeConfig({
        listen: `unix://${join(dir, 'proxy.sock')}`,
        agent: agent.address,
        policyFile: join(KATA_CORPUS, folder, 'policy.rego'),
        profile: PROFILE[folder] ?? 'legacy',
        logPath,
        register,
      }),
    );
    const lines = readCorpus(folder);
    const sentAllowed: string[] = [];
    const sentDenied: string[] = [];
    const pending: Promise<unknown>[] = [];
    const client = await dialClient(`unix://${join(dir, 'proxy.sock')}`);
    try {
      for (const [i, line] of lines.entries()) {
        const target = METHOD_OF.get(line.endpoint);
        assert.ok(target, `${line.endpoint} is an agent request`);
        const bytes = encode(
          target.type,
          requestFromPolicyInput(target.type, line.json, profileOf(folder)) as never,
        );
        const digest = createHash('sha256').update(bytes).digest('hex');
        (line.allowed ? sentAllowed : sentDenied).push(digest);
        const call = client.call(AGENT_SERVICE, target.method, bytes, { timeoutMs: 5000 }).then(
          () => undefined,
          (err: unknown) => err,
        );
        const check = call.then((err) => {
          const where = `${folder} request ${i + 1} (${line.endpoint})`;
          if (line.allowed) {
            // The agent may refuse (the corpus's containers have no rootfs here), but never the policy.
            if (err !== undefined) assert.ok(err instanceof TtrpcError, `${where}: ${String(err)}`);
            if (err instanceof TtrpcError) assert.notEqual(err.grpcCode, StatusCode.PERMISSION_DENIED, where);
          } else {
            assert.ok(err instanceof TtrpcError, `${where}: expected a denial`);
            assert.equal(err.grpcCode, StatusCode.PERMISSION_DENIED, `${where}: ${err.message}`);
            assert.match(err.message, new RegExp(`^${line.endpoint} is blocked by policy`), where);
          }
        });
        if (BLOCKING.has(line.endpoint)) pending.push(check);
        else await check;
      }
      await Promise.all(pending);
    } finally {
      client.close();
      await running.close();
      await agent.stop();
    }

    // Every allowed request reached the agent with its original bytes; no denied one did.
    const received = new Set(
      agent
        .received()
        .filter((r) => r.service === AGENT_SERVICE)
        .map((r) => r.sha256),
    );
    for (const d of sentAllowed)
      assert.ok(received.has(d), `${folder}: an allowed request never reached the agent`);
    for (const d of sentDenied) assert.ok(!received.has(d), `${folder}: a denied request reached the agent`);

    // The log holds the policy event, then one event per request with the corpus's decision,
    // and replays to the register's value.
    const bytes = readFileSync(logPath);
    const parsed = parseLog(bytes);
    assert.equal(parsed.tail, 'clean');
    const events = parsed.records
      .slice(1)
      .map((r) => JSON.parse(r.content) as { decision: string; rpc: string });
    assert.equal(parsed.records[0]?.operation, 'policy');
    assert.deepEqual(
      events.map((e) => `${e.rpc}:${e.decision}`),
      lines.map((l) => `${l.endpoint}:${l.allowed ? 'allow' : 'deny'}`),
    );
    const reg = await openRegister(register);
    const value = await reg.read();
    await reg.close();
    const summary = verifyLogBytes(bytes, { expected: value });
    assert.equal(summary.records, lines.length + 1);
  });
}

function profileOf(folder: string): KataPolicyProfile {
  const p = KATA_POLICY_PROFILES[PROFILE[folder] ?? 'legacy'];
  assert.ok(p);
  return p;
}
