import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseLog } from '../../measure/index.js';
import {
  AGENT_SERVICE,
  decodeToJson,
  encode,
  findMethod,
  HEALTH_SERVICE,
  type MessageName,
  statusCodeName,
  TtrpcError,
} from '../../proto/index.js';
import { mergeConfig, type RunningProxy, startProxy } from '../index.js';
import { runToExit, WARD_BIN } from './crash-proxy.js';
import { type AgentProcess, dialClient, startAgent, tempDir } from './harness.js';

// Issue 7: "Any client is treated alike: the same requests sent by `ward agent call` instead of
// the shim get the same decisions and the same log records". Two proxies, each on a fresh log and
// register with the same stateful policy, each in front of its own ward-runc-agent: one is driven
// by the `ward agent call` CLI (JSON with proto names: enums by name, bytes base64, 64-bit
// integers as strings), the other by a Ward ttrpc client encoding typed objects. Same requests,
// same order: the answers must match and the two logs must be byte-identical (same seq, same
// content), which also shows a record depends only on request, policy, state and sequence number.

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

default UpdateInterfaceRequest := false
UpdateInterfaceRequest if {
  input.interface.IPAddresses[0].family == 1
  input.interface.type_ == "veth"
}

default ReadStreamRequest := false
default WriteStreamRequest := false
default CopyFileRequest := false
default GuestDetailsRequest := true
`;

/** One request: the CLI's JSON and the direct client's typed object for the same message. */
interface Case {
  readonly method: string;
  readonly json: Record<string, unknown>;
  readonly init: Record<string, unknown>;
}

const same = (method: string, body: Record<string, unknown>): Case => ({ method, json: body, init: body });

const CASES: readonly Case[] = [
  same('CreateContainer', {
    container_id: 'c1',
    exec_id: 'c1',
    sandbox_pidns: true,
    OCI: { Version: '1.1.0', Hostname: 'h1', Annotations: { 'io.kubernetes.cri.container-name': 'app' } },
  }),
  same('ExecProcess', {
    container_id: 'c1',
    exec_id: 'e1',
    process: { Args: ['sh', '-c', 'true'], Env: ['A=1'], Cwd: '/', User: { UID: 0, GID: 0 } },
  }),
  same('ExecProcess', { container_id: 'c2', exec_id: 'e2' }),
  same('ReadStdout', { container_id: 'c1', exec_id: 'e1', len: 1024 }),
  {
    method: 'WriteStdin',
    json: { container_id: 'c1', exec_id: 'e1', data: Buffer.from('hello\n').toString('base64') },
    init: { container_id: 'c1', exec_id: 'e1', data: Buffer.from('hello\n') },
  },
  {
    method: 'CopyFile',
    json: {
      path: '/etc/passwd',
      file_size: '5',
      file_mode: 420,
      data: Buffer.from('root\n').toString('base64'),
    },
    init: { path: '/etc/passwd', file_size: 5, file_mode: 420, data: Buffer.from('root\n') },
  },
  {
    method: 'UpdateInterface',
    json: {
      interface: {
        device: 'eth0',
        name: 'eth0',
        IPAddresses: [{ family: 'v6', address: 'fd00::2', mask: '64' }],
        mtu: '1500',
        hwAddr: '02:00:00:00:00:01',
        type: 'veth',
      },
    },
    init: {
      interface: {
        device: 'eth0',
        name: 'eth0',
        IPAddresses: [{ family: 1, address: 'fd00::2', mask: '64' }],
        mtu: 1500,
        hwAddr: '02:00:00:00:00:01',
        type: 'veth',
      },
    },
  },
  same('SignalProcess', { container_id: 'c1', exec_id: 'e1', signal: 9 }),
  same('GetGuestDetails', { mem_block_size: true }),
  same('RemoveContainer', { container_id: 'c1' }),
  same('ExecProcess', { container_id: 'c1', exec_id: 'e3' }),
  same('grpc.Health/Check', { service: '' }),
];

interface Side {
  readonly dir: string;
  readonly agent: AgentProcess;
  readonly running: RunningProxy;
  readonly address: string;
  readonly logPath: string;
}

let tmp: { dir: string; cleanup: () => void };
const sides: Side[] = [];

async function side(name: string): Promise<Side> {
  const dir = join(tmp.dir, name);
  const agent = await startAgent(dir);
  const address = `unix://${join(dir, 'proxy.sock')}`;
  const logPath = join(dir, 'measurement.log');
  const running = await startProxy(
    mergeConfig({
      listen: address,
      agent: agent.address,
      policyFile: join(tmp.dir, 'policy.rego'),
      logPath,
      register: `software:${join(dir, 'register')}`,
    }),
  );
  const s = { dir, agent, running, address, logPath };
  sides.push(s);
  return s;
}

before(() => {
  tmp = tempDir('ward-proxy-parity-');
  writeFileSync(join(tmp.dir, 'policy.rego'), POLICY);
});

after(async () => {
  for (const s of sides) {
    await s.running.close();
    await s.agent.stop();
  }
  tmp?.cleanup();
});

/** What a caller saw: the response as JSON (proto names) or `CODE: message`. */
type Answer = { readonly ok: unknown } | { readonly error: string };

function target(method: string): { service: string; method: string; req: MessageName; res: MessageName } {
  const [service, m] = method.includes('/')
    ? (method.split('/') as [string, string])
    : [AGENT_SERVICE, method];
  const spec = findMethod(service, m);
  assert.ok(spec, method);
  return { service, method: m, req: spec.requestType as MessageName, res: spec.responseType as MessageName };
}

// The CLI prints an error as one trimmed line; the direct client's message is shown the same way.
const asOneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

async function viaCli(address: string, c: Case): Promise<Answer> {
  const r = await runToExit(WARD_BIN, ['agent', 'call', '--addr', address, c.method, JSON.stringify(c.json)]);
  if (r.code === 0) return { ok: JSON.parse(r.stdout) as unknown };
  assert.equal(r.code, 2, `${c.method}: ward exited ${r.code}: ${r.stderr}`);
  const m = /^ward: (.*)\n$/.exec(r.stderr);
  assert.ok(m, `${c.method}: one stderr line, got ${JSON.stringify(r.stderr)}`);
  return { error: m[1] ?? '' };
}

test('ward agent call and a direct ttrpc client: same answers, byte-identical logs', async (t) => {
  const [cli, direct] = [await side('cli'), await side('direct')];
  const client = await dialClient(direct.address);
  const answers: { cli: Answer; direct: Answer }[] = [];
  try {
    for (const c of CASES) {
      const t = target(c.method);
      const bytes = encode(t.req, c.init as never);
      const d: Answer = await client.call(t.service, t.method, bytes, { timeoutMs: 10_000 }).then(
        (res) => ({ ok: decodeToJson(t.res, res) }),
        (e: unknown) => {
          assert.ok(e instanceof TtrpcError, String(e));
          return { error: asOneLine(`${statusCodeName(e.grpcCode)}: ${e.message}`) };
        },
      );
      answers.push({ cli: await viaCli(cli.address, c), direct: d });
    }
  } finally {
    client.close();
  }
  for (const [i, a] of answers.entries())
    assert.deepEqual(a.cli, a.direct, `answer ${i + 1} (${CASES[i]?.method})`);
  // The run covers every kind of answer: relayed responses, agent errors, denials, engine errors.
  const errors = answers.map((a) => ('error' in a.direct ? a.direct.error : 'OK'));
  t.diagnostic(errors.map((e, i) => `${CASES[i]?.method}: ${e}`).join('; '));
  assert.ok(errors.some((e) => e.startsWith('PERMISSION_DENIED: ExecProcessRequest is blocked by policy')));
  assert.ok(errors.some((e) => e.startsWith('INTERNAL: ')));
  assert.ok(errors.filter((e) => e === 'OK').length >= 3, errors.join('; '));

  // Both agents received the same bytes, in the same order (the encodings agree).
  const got = (s: Side): string[] => s.agent.received().map((r) => `${r.service}/${r.method} ${r.sha256}`);
  assert.deepEqual(got(cli), got(direct));

  // Same records, same sequence numbers, same bytes.
  const [a, b] = [readFileSync(cli.logPath), readFileSync(direct.logPath)];
  const [ra, rb] = [parseLog(a).records, parseLog(b).records];
  assert.equal(ra.length, CASES.filter((c) => !c.method.startsWith(HEALTH_SERVICE)).length + 1);
  assert.equal(ra.length, rb.length);
  for (const [i, r] of ra.entries()) {
    assert.equal(r.operation, rb[i]?.operation, `record ${i}`);
    assert.equal(r.content, rb[i]?.content, `record ${i} content`);
  }
  assert.ok(a.equals(b), 'the two logs are byte-identical');
  const decisions = ra
    .slice(1)
    .map((r) => `${r.operation}:${(JSON.parse(r.content) as { decision: string }).decision}`);
  assert.deepEqual(decisions, [
    'CreateContainer:allow',
    'ExecProcess:allow',
    'ExecProcess:deny',
    'ReadStdout:deny',
    'WriteStdin:deny',
    'CopyFile:deny',
    'UpdateInterface:allow',
    'SignalProcess:deny',
    'GetGuestDetails:allow',
    'RemoveContainer:allow',
    'ExecProcess:deny',
  ]);
});
