import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openRegister, parseLog, verifyLogBytes } from '../../measure/index.js';
import {
  AGENT_SERVICE,
  type Client,
  decodeResponse,
  encode,
  HEALTH_SERVICE,
  StatusCode,
  TtrpcError,
} from '../../proto/index.js';
import { mergeConfig, type RunningProxy, startProxy } from '../index.js';
import { type AgentProcess, dialClient, startAgent, tempDir } from './harness.js';

// A small stateful policy in the style of Kata's rules: CreateContainer records the container in
// data.pstate, ExecProcess is allowed only there, RemoveContainer forgets it. Reads are denied,
// StatsContainer has no rule (an engine error), SetPolicy is allowed.
const POLICY = `package agent_policy

import rego.v1

default CreateContainerRequest := false
CreateContainerRequest := {"allowed": true, "ops": [{"op": "add", "path": concat("/", ["/pstate", input.container_id]), "value": true}]}

default ExecProcessRequest := false
ExecProcessRequest if data.pstate[input.container_id]
ExecProcessRequest := false if {
  not data.pstate[input.container_id]
  print("exec in unknown container", input.container_id)
}

default RemoveContainerRequest := false
RemoveContainerRequest := {"allowed": true, "ops": [{"op": "remove", "path": concat("/", ["/pstate", input.container_id])}]} if {
  data.pstate[input.container_id]
}

default ReadStreamRequest := false
default GuestDetailsRequest := true
default SetPolicyRequest := true
`;

let tmp: { dir: string; cleanup: () => void };
let agent: AgentProcess;
let running: RunningProxy;
let client: Client;
let logPath: string;
let register: string;

before(async () => {
  tmp = tempDir('ward-proxy-');
  agent = await startAgent(tmp.dir);
  writeFileSync(join(tmp.dir, 'policy.rego'), POLICY);
  logPath = join(tmp.dir, 'measurement.log');
  register = `software:${join(tmp.dir, 'register')}`;
  running = await startProxy(
    mergeConfig({
      listen: `unix://${join(tmp.dir, 'proxy.sock')}`,
      agent: agent.address,
      policyFile: join(tmp.dir, 'policy.rego'),
      logPath,
      register,
    }),
  );
  client = await dialClient(`unix://${join(tmp.dir, 'proxy.sock')}`);
});

after(async () => {
  client?.close();
  await running?.close();
  await agent?.stop();
  tmp?.cleanup();
});

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const received = (): Set<string> => new Set(agent.received().map((r) => r.sha256));

async function call(
  method: string,
  bytes: Uint8Array,
  service = AGENT_SERVICE,
): Promise<TtrpcError | Uint8Array> {
  return client.call(service, method, bytes, { timeoutMs: 10_000 }).then(
    (r) => r,
    (e: unknown) => {
      assert.ok(e instanceof TtrpcError, String(e));
      return e;
    },
  );
}

const exec = (cid: string, eid: string): Uint8Array =>
  encode('grpc.ExecProcessRequest', { container_id: cid, exec_id: eid } as never);
const create = (cid: string): Uint8Array =>
  encode('grpc.CreateContainerRequest', { container_id: cid } as never);
const remove = (cid: string): Uint8Array =>
  encode('grpc.RemoveContainerRequest', { container_id: cid } as never);

function assertDenied(r: TtrpcError | Uint8Array, code: number, pattern: RegExp): void {
  assert.ok(r instanceof TtrpcError, 'expected an error status');
  assert.equal(r.grpcCode, code, r.message);
  assert.match(r.message, pattern);
}

test('stateful policy: exec only in containers created under the policy, not after removal', async () => {
  const c1 = create('c1');
  const r1 = await call('CreateContainer', c1);
  // The agent itself refuses a spec-less container; what matters is that the policy let it through.
  if (r1 instanceof TtrpcError) assert.notEqual(r1.grpcCode, StatusCode.PERMISSION_DENIED, r1.message);
  assert.ok(received().has(sha(c1)), 'allowed CreateContainer reached the agent');

  const e1 = exec('c1', 'e1');
  const r2 = await call('ExecProcess', e1);
  if (r2 instanceof TtrpcError) assert.notEqual(r2.grpcCode, StatusCode.PERMISSION_DENIED, r2.message);
  assert.ok(received().has(sha(e1)), 'allowed exec reached the agent');

  const e2 = exec('c2', 'e2');
  assertDenied(
    await call('ExecProcess', e2),
    StatusCode.PERMISSION_DENIED,
    /^ExecProcessRequest is blocked by policy: .*exec in unknown container c2/,
  );
  assert.ok(!received().has(sha(e2)), 'denied exec never reached the agent');

  await call('RemoveContainer', remove('c1'));
  const e3 = exec('c1', 'e3');
  assertDenied(
    await call('ExecProcess', e3),
    StatusCode.PERMISSION_DENIED,
    /^ExecProcessRequest is blocked by policy/,
  );
  assert.ok(!received().has(sha(e3)), 'exec after RemoveContainer never reached the agent');
});

test("the agent's answers, error statuses included, reach the client byte for byte", async () => {
  const direct = await dialClient(agent.address);
  try {
    // Allowed by the policy; the agent refuses the spec-less container with an error status.
    for (const [method, bytes] of [
      ['CreateContainer', create('relay-err')],
      ['GetGuestDetails', encode('grpc.GuestDetailsRequest', {} as never)],
    ] as const) {
      const viaProxy = await client.callRaw(AGENT_SERVICE, method, bytes, { timeoutMs: 10_000 });
      const fromAgent = await direct.callRaw(AGENT_SERVICE, method, bytes, { timeoutMs: 10_000 });
      assert.equal(viaProxy.ok, decodeResponse(Buffer.from(fromAgent.body)).status === undefined, method);
      if (method === 'CreateContainer') assert.equal(viaProxy.ok, false, 'the agent refused it');
      assert.deepEqual(Buffer.from(viaProxy.body), Buffer.from(fromAgent.body), method);
    }
  } finally {
    direct.close();
  }
});

test('a denied ReadStdout is an empty OK response (EOF), as the kata-agent answers', async () => {
  const req = encode('grpc.ReadStreamRequest', { container_id: 'c1', exec_id: 'e1', len: 1024 } as never);
  const r = await call('ReadStdout', req);
  assert.ok(r instanceof Uint8Array, 'OK response');
  assert.equal(r.length, 0);
  assert.ok(!received().has(sha(req)));
});

test('a policy that cannot decide is INTERNAL and nothing is forwarded', async () => {
  const req = encode('grpc.StatsContainerRequest', { container_id: 'stats-only' } as never);
  assertDenied(await call('StatsContainer', req), StatusCode.INTERNAL, /StatsContainerRequest/);
  assert.ok(!received().has(sha(req)));
});

test('bad input: unknown method, garbage bytes, a field the schema lacks — refused, never forwarded', async () => {
  const unknown = new Uint8Array([8, 1]);
  assertDenied(
    await call('NoSuchMethod', unknown),
    StatusCode.UNIMPLEMENTED,
    /unknown method grpc\.AgentService\/NoSuchMethod/,
  );
  const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]);
  assertDenied(
    await call('ExecProcess', garbage),
    StatusCode.INVALID_ARGUMENT,
    /ExecProcessRequest: cannot decode/,
  );
  // A valid request with an extra field 99 (varint): protobufjs would drop it silently.
  const base = exec('c9', 'e9');
  const smuggled = new Uint8Array([...base, 0x98, 0x06, 0x01]);
  assertDenied(
    await call('ExecProcess', smuggled),
    StatusCode.INVALID_ARGUMENT,
    /#99 is not in Ward's schema/,
  );
  const seen = received();
  for (const b of [unknown, garbage, smuggled]) assert.ok(!seen.has(sha(b)));
  assertDenied(
    await call('Check', new Uint8Array(0), 'grpc.NoSuchService'),
    StatusCode.UNIMPLEMENTED,
    /unknown service/,
  );
});

test('grpc.Health is forwarded and counted, not policy-checked or logged', async () => {
  const before = parseLog(readFileSync(logPath)).records.length;
  const r = await call('Check', encode('grpc.CheckRequest', { service: '' } as never), HEALTH_SERVICE);
  assert.ok(r instanceof Uint8Array, r instanceof TtrpcError ? r.message : '');
  assert.ok(agent.received().some((x) => x.service === HEALTH_SERVICE && x.method === 'Check'));
  assert.equal(parseLog(readFileSync(logPath)).records.length, before);
  assert.ok(running.proxy.metrics.countOf('Check', 'health') >= 1);
});

test('SetPolicy is decided by the current policy, replaces it, is logged and not forwarded', async () => {
  const allowAll = 'package agent_policy\n\nimport rego.v1\n\ndefault ExecProcessRequest := true\n';
  const req = encode('grpc.SetPolicyRequest', { policy: allowAll } as never);
  const r = await call('SetPolicy', req);
  assert.ok(r instanceof Uint8Array, r instanceof TtrpcError ? r.message : '');
  assert.ok(!received().has(sha(req)), 'SetPolicy is handled by the proxy');
  const e = exec('c2', 'after-setpolicy');
  const r2 = await call('ExecProcess', e);
  if (r2 instanceof TtrpcError) assert.notEqual(r2.grpcCode, StatusCode.PERMISSION_DENIED, r2.message);
  assert.ok(received().has(sha(e)));
  const records = parseLog(readFileSync(logPath)).records;
  const digest = `sha256:${createHash('sha256').update(allowAll).digest('hex')}`;
  const policyEvents = records.filter((x) => x.operation === 'policy').map((x) => JSON.parse(x.content));
  assert.equal(policyEvents.at(-1)?.policy, digest);
  const setPolicy = records.find((x) => x.operation === 'SetPolicy');
  assert.ok(
    setPolicy && !setPolicy.content.includes('ExecProcessRequest := true'),
    'policy text recorded by digest',
  );
});

test('every request is in the log, in order, with its decision, and the log replays to the register', async () => {
  const bytes = readFileSync(logPath);
  const parsed = parseLog(bytes);
  assert.equal(parsed.tail, 'clean');
  const ops = parsed.records.map((r) => {
    const c = JSON.parse(r.content) as { decision?: string; seq: number };
    return `${r.operation}:${c.decision ?? '-'}`;
  });
  assert.deepEqual(ops.slice(0, 14), [
    'policy:-',
    'CreateContainer:allow',
    'ExecProcess:allow',
    'ExecProcess:deny',
    'RemoveContainer:allow',
    'ExecProcess:deny',
    'CreateContainer:allow',
    'GetGuestDetails:allow',
    'ReadStdout:deny',
    'StatsContainer:deny',
    'NoSuchMethod:deny',
    'ExecProcess:deny',
    'ExecProcess:deny',
    'SetPolicy:allow',
  ]);
  for (const [i, r] of parsed.records.entries())
    assert.equal((JSON.parse(r.content) as { seq: number }).seq, i);
  const reg = await openRegister(register);
  const value = await reg.read();
  await reg.close();
  assert.equal(verifyLogBytes(bytes, { expected: value }).records, parsed.records.length);
  const metrics = running.proxy.metrics.render();
  assert.match(metrics, /ward_proxy_requests_total\{method="ExecProcess",outcome="denied"\} [1-9]/);
  assert.match(metrics, /ward_proxy_log_append_seconds_count\{method="[A-Za-z]+"\} [1-9]/);
});

test('an allowed request the agent cannot be reached for is measured, answered UNAVAILABLE and counted', async () => {
  const dir = tempDir('ward-proxy-noagent-');
  const log = join(dir.dir, 'measurement.log');
  const alone = await startProxy(
    mergeConfig({
      listen: `unix://${join(dir.dir, 'proxy.sock')}`,
      agent: `unix://${join(dir.dir, 'no-agent.sock')}`,
      allowAll: true,
      logPath: log,
      register: `software:${join(dir.dir, 'register')}`,
    }),
  );
  const c = await dialClient(`unix://${join(dir.dir, 'proxy.sock')}`);
  try {
    const bytes = encode('grpc.ExecProcessRequest', { container_id: 'c', exec_id: 'e' } as never);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        c.call(AGENT_SERVICE, 'ExecProcess', bytes, { timeoutMs: 10_000 }),
        (e: unknown) =>
          e instanceof TtrpcError &&
          e.grpcCode === StatusCode.UNAVAILABLE &&
          /cannot reach the agent/.test(e.message),
      );
    }
    assert.match(alone.proxy.metrics.render(), /^ward_proxy_forward_errors_total 2$/m);
    const execs = parseLog(readFileSync(log)).records.filter((r) => r.operation === 'ExecProcess');
    assert.equal(execs.length, 2, 'each was measured before the forward was tried');
  } finally {
    c.close();
    await alone.close();
    dir.cleanup();
  }
});
