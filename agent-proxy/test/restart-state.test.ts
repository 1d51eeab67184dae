import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type LogRecord, parseLog } from '../../measure/index.js';
import { AGENT_SERVICE, type Client, encode, StatusCode, TtrpcError } from '../../proto/index.js';
import {
  createDecider,
  keptPolicyPath,
  mergeConfig,
  ProxyError,
  policyDigest,
  type RunningProxy,
  SET_POLICY_SOURCE,
  startProxy,
  statePatches,
} from '../index.js';
import { type AgentProcess, dialClient, startAgent, tempDir } from './harness.js';

// Kata's rules bind the sandbox on first use (state_allows): a later request naming another one
// is denied. A restarted proxy must keep that binding, and the containers created before.
const POLICY = `package agent_policy

import rego.v1

sandbox := input.OCI.Annotations["io.kubernetes.cri.sandbox-name"]
bind := [] if data.pstate.sandbox == sandbox
bind := [{"op": "add", "path": "/pstate/sandbox", "value": sandbox}] if not data.pstate.sandbox

default CreateContainerRequest := false
CreateContainerRequest := {"allowed": true, "ops": array.concat(bind, [{"op": "add", "path": concat("", ["/pstate/c_", input.container_id]), "value": true}])}

default ExecProcessRequest := false
ExecProcessRequest if data.pstate[concat("", ["c_", input.container_id])]

default SetPolicyRequest := true
`;

let tmp: { dir: string; cleanup: () => void };
let agent: AgentProcess;
let running: RunningProxy | undefined;
let client: Client | undefined;

before(async () => {
  tmp = tempDir('ward-restart-');
  agent = await startAgent(tmp.dir);
});

after(async () => {
  client?.close();
  await running?.close();
  await agent?.stop();
  tmp?.cleanup();
});

async function start(policy: string, logName = 'measurement.log'): Promise<void> {
  client?.close();
  await running?.close();
  writeFileSync(join(tmp.dir, 'policy.rego'), policy);
  running = await startProxy(
    mergeConfig({
      listen: `unix://${join(tmp.dir, 'proxy.sock')}`,
      agent: agent.address,
      policyFile: join(tmp.dir, 'policy.rego'),
      logPath: join(tmp.dir, logName),
      register: `software:${join(tmp.dir, `${logName}.register`)}`,
    }),
  );
  client = await dialClient(`unix://${join(tmp.dir, 'proxy.sock')}`);
}

/** True when the policy let the request through (the agent may still fail it). */
async function allowed(method: string, bytes: Uint8Array): Promise<boolean> {
  return client!.call(AGENT_SERVICE, method, bytes, { timeoutMs: 10_000 }).then(
    () => true,
    (e: unknown) => {
      assert.ok(e instanceof TtrpcError, String(e));
      return e.grpcCode !== StatusCode.PERMISSION_DENIED;
    },
  );
}

const create = (cid: string, sandbox: string): Promise<boolean> =>
  allowed(
    'CreateContainer',
    encode('grpc.CreateContainerRequest', {
      container_id: cid,
      OCI: { Annotations: { 'io.kubernetes.cri.sandbox-name': sandbox } },
    } as never),
  );
const exec = (cid: string): Promise<boolean> =>
  allowed('ExecProcess', encode('grpc.ExecProcessRequest', { container_id: cid, exec_id: 'e' } as never));

test('a restarted proxy rebuilds the policy state from its log, under the same policy only', async () => {
  await start(POLICY);
  assert.equal(await create('c1', 's1'), true);
  assert.equal(await exec('c1'), true);
  assert.equal(await create('c2', 's2'), false, 'the sandbox is bound to s1');

  await start(POLICY);
  assert.equal(await exec('c1'), true, 'a container created before the restart is known');
  assert.equal(await create('c2', 's2'), false, 'the sandbox binding survived the restart');
  assert.equal(await create('c3', 's1'), true);

  // A second restart continues from both runs.
  await start(POLICY);
  assert.equal(await exec('c3'), true);
  assert.equal(await create('c4', 's2'), false);

  // Another policy starts from an empty state (fail closed for the old containers).
  await start(`${POLICY}\n# another policy\n`);
  assert.equal(await exec('c1'), false);
  assert.equal(await create('c5', 's2'), true);

  // The log says what each allowed CreateContainer changed.
  const records = parseLog(readFileSync(join(tmp.dir, 'measurement.log'))).records;
  const creates = records.filter((r) => r.operation === 'CreateContainer').map((r) => JSON.parse(r.content));
  assert.deepEqual(creates[0].ops, [
    { op: 'add', path: '/pstate/sandbox', value: 's1' },
    { op: 'add', path: '/pstate/c_c1', value: true },
  ]);
  assert.equal(creates[1].decision, 'deny');
  assert.equal(creates[1].ops, undefined);
});

function rec(index: number, operation: string, content: object): LogRecord {
  return { index, operation, domain: 'ward', content: JSON.stringify(content) } as unknown as LogRecord;
}

test('statePatches: the window starts at a SetPolicy or at a start with another policy', () => {
  const op = (v: string): unknown => [{ op: 'add', path: `/pstate/${v}`, value: true }];
  const allow = (i: number, policy: string, ops: unknown): LogRecord =>
    rec(i, 'CreateContainer', { decision: 'allow', policy, ops, rpc: 'CreateContainerRequest' });
  const records = [
    rec(0, 'initdata', { algorithm: 'sha256' }),
    rec(1, 'policy', { policy: 'A', source: 'file' }),
    allow(2, 'A', op('a')),
    rec(3, 'CreateContainer', { decision: 'deny', policy: 'A', ops: op('x') }),
    rec(4, 'policy', { policy: 'A', source: 'file' }),
    allow(5, 'A', op('b')),
  ];
  assert.deepEqual(statePatches(records, 'A'), [op('a'), op('b')]);
  assert.deepEqual(statePatches(records, 'B'), []);
  const reset = [
    ...records,
    rec(6, 'policy', { policy: 'A', source: SET_POLICY_SOURCE }),
    allow(7, 'A', op('c')),
  ];
  assert.deepEqual(statePatches(reset, 'A'), [op('c')]);
  const other = [
    ...records,
    rec(6, 'policy', { policy: 'B', source: 'file' }),
    rec(7, 'policy', { policy: 'A', source: 'file' }),
  ];
  assert.deepEqual(statePatches(other, 'A'), []);
  assert.throws(
    () =>
      statePatches(
        [rec(0, 'policy', { policy: 'A' }), { ...rec(1, 'X', {}), content: '{"ops": [' } as LogRecord],
        'A',
      ),
    (e: unknown) => e instanceof ProxyError && e.code === 'ERR_PROXY_STATE',
  );
});

test('a patch from the log that does not apply stops the restore with ERR_PROXY_STATE', () => {
  const d = createDecider(POLICY, 'current');
  assert.equal(d.digest, policyDigest(POLICY));
  d.restore([[{ op: 'add', path: '/pstate/sandbox', value: 's1' }]]);
  assert.throws(
    () => d.restore([[{ op: 'remove', path: '/pstate/missing' }]]),
    (e: unknown) => e instanceof ProxyError && e.code === 'ERR_PROXY_STATE' && /patch 1 of 1/.test(e.message),
  );
});

test('a policy installed by SetPolicy survives a restart, with its state; a kept text that does not match stops the start', async () => {
  const strict = POLICY.replace(/^ExecProcessRequest if .*$/m, '# no exec at all');
  assert.notEqual(strict, POLICY);
  await start(POLICY, 'set-policy.log');
  assert.equal(await create('c1', 's1'), true);
  assert.equal(
    await allowed('SetPolicy', encode('grpc.SetPolicyRequest', { policy: strict } as never)),
    true,
  );
  assert.equal(await exec('c1'), false, 'the new policy denies every exec');
  assert.equal(await create('c2', 's9'), true, 'SetPolicy reset the state: the sandbox binds anew');

  // Configured with the old, looser policy, the restart continues the SetPolicy one.
  await start(POLICY, 'set-policy.log');
  assert.equal(await exec('c2'), false, 'still the SetPolicy policy');
  assert.equal(await create('c3', 's1'), false, 'the binding made under it survived');
  assert.equal(await create('c4', 's9'), true);
  const log = join(tmp.dir, 'set-policy.log');
  const policies = parseLog(readFileSync(log))
    .records.filter((r) => r.operation === 'policy')
    .map((r) => JSON.parse(r.content) as { policy: string; source: string });
  assert.deepEqual(
    policies.map((p) => p.source),
    ['file', 'SetPolicyRequest', 'continued'],
  );
  assert.equal(policies[2]!.policy, policyDigest(strict));

  // A kept text that is not the logged policy: the start refuses rather than fall back.
  client?.close();
  client = undefined;
  await running?.close();
  running = undefined;
  writeFileSync(keptPolicyPath(log), POLICY);
  await assert.rejects(
    () => start(POLICY, 'set-policy.log'),
    (e: unknown) => e instanceof ProxyError && /not the log's policy/.test(e.message),
  );
});

test('an allowed SetPolicy whose text does not compile leaves nothing in force, names it in the log, and a restart refuses to start', async () => {
  const broken = 'package agent_policy\n\ndefault ExecProcessRequest := \n';
  await start(POLICY, 'set-policy-broken.log');
  assert.equal(await create('c1', 's1'), true);
  await assert.rejects(
    client!.call(AGENT_SERVICE, 'SetPolicy', encode('grpc.SetPolicyRequest', { policy: broken } as never)),
    (e: unknown) => e instanceof TtrpcError && e.grpcCode === StatusCode.INTERNAL,
  );
  // As in the kata-agent: the engine is empty, so what the old policy allowed is refused now.
  const execs = (): number => agent.received().filter((r) => r.method === 'ExecProcess').length;
  const before = execs();
  await assert.rejects(
    client!.call(
      AGENT_SERVICE,
      'ExecProcess',
      encode('grpc.ExecProcessRequest', { container_id: 'c1', exec_id: 'e' } as never),
    ),
    (e: unknown) => e instanceof TtrpcError && e.grpcCode !== StatusCode.OK,
  );
  assert.equal(execs(), before, 'nothing reached the agent');

  const log = join(tmp.dir, 'set-policy-broken.log');
  const records = parseLog(readFileSync(log)).records;
  const policies = records
    .filter((r) => r.operation === 'policy')
    .map((r) => JSON.parse(r.content) as { policy: string; source: string });
  assert.equal(policies.at(-1)?.policy, policyDigest(broken));
  assert.equal(policies.at(-1)?.source, SET_POLICY_SOURCE);
  const lastExec = records.filter((r) => r.operation === 'ExecProcess').at(-1)!;
  const content = JSON.parse(lastExec.content) as { decision: string; policy: string };
  assert.deepEqual([content.decision, content.policy], ['deny', policyDigest(broken)]);
  assert.equal(readFileSync(keptPolicyPath(log), 'utf8'), broken);

  client?.close();
  client = undefined;
  await running?.close();
  running = undefined;
  await assert.rejects(
    () => start(POLICY, 'set-policy-broken.log'),
    (e: unknown) => e instanceof ProxyError && /SetPolicy policy does not load/.test(e.message),
  );
});
