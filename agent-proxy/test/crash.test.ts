import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMemoryBacked, openRegister, parseLog, verifyLogBytes } from '../../measure/index.js';
import { AGENT_SERVICE, type Client, StatusCode, TtrpcError } from '../../proto/index.js';
import { type ProxyProcess, spawnProxy } from './crash-proxy.js';
import { lookUpLog, makeRequests, mulberry32, type SentRequest } from './crash-requests.js';
import { type AgentProcess, dialClient, startAgent, tempDir } from './harness.js';

// Issue 7's crash-consistency acceptance: 1,000 requests from several clients through the
// ward-agent-proxy *process*, which is killed with SIGKILL 50 times at random moments spread
// over the run and restarted on the same log and register each time. After every restart and at
// the end: the log replays to the register, every request the agent received (its own record,
// by payload sha256) has an `allow` record in the log, no denied request reached the agent, and
// every request that was answered before a kill is in the recovered log (answers follow fsync).
//
// The policy is stateless (a decision depends on the container id only), so a restart — which
// starts the policy state afresh, as a rebooted kata-agent would — changes no decision; each
// restart records one more `policy` event, which the checks skip.
const POLICY = `package agent_policy

import rego.v1

default CreateContainerRequest := false
CreateContainerRequest if startswith(input.container_id, "ok-")

default ExecProcessRequest := false
ExecProcessRequest if startswith(input.container_id, "ok-")
`;

const REQUESTS = 1_000;
const KILLS = 50;
const CLIENTS = 4;
/** Longest random wait after a kill threshold is reached, so kills land anywhere in a request's path. */
const MAX_KILL_JITTER_MS = 4;
const CALL_TIMEOUT_MS = 15_000;
const SHM = '/dev/shm';

let proxy: ProxyProcess | undefined;

after(async () => {
  await proxy?.kill9();
});

/** A gate the clients wait on while the proxy is down. */
class Gate {
  private opened: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;
  close(): void {
    this.opened = new Promise((r) => {
      this.release = r;
    });
  }
  open(): void {
    this.release();
  }
  wait(): Promise<void> {
    return this.opened;
  }
}

test('kill -9 of ward-agent-proxy 50 times during 1,000 requests: log replays, nothing forwarded unlogged', {
  timeout: 600_000,
}, async (t) => {
  const tmp = tempDir('ward-proxy-crash-');
  try {
    await crashRun(t, tmp.dir);
  } finally {
    tmp.cleanup();
  }
});

// On tmpfs, where the guest keeps its log, a request alone is committed in the proxy's own
// thread before it is forwarded (MeasurementLog.appendEventNow), and group commits run without
// the thread pool: the same kills must find the same guarantees on that path.
test('the same on tmpfs, where a request alone commits in the proxy thread', {
  timeout: 600_000,
}, async (t) => {
  if (!existsSync(SHM) || !(await isMemoryBacked(SHM))) return t.skip(`${SHM} is not tmpfs here`);
  const dir = mkdtempSync(join(SHM, 'ward-proxy-crash-'));
  try {
    await crashRun(t, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function crashRun(t: TestContext, dir: string): Promise<void> {
  const agent = await startAgent(dir);
  try {
    await crashRunWith(t, dir, agent);
  } finally {
    await proxy?.kill9();
    proxy = undefined;
    await agent.stop();
  }
}

async function crashRunWith(t: TestContext, dir: string, agent: AgentProcess): Promise<void> {
  const seed = Number(process.env['WARD_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (WARD_CRASH_SEED reproduces the request mix and kill points)`);
  const rng = mulberry32(seed);
  const policyFile = join(dir, 'policy.rego');
  writeFileSync(policyFile, POLICY);
  const logPath = join(dir, 'measurement.log');
  const registerSpec = `software:${join(dir, 'register')}`;
  const address = `unix://${join(dir, 'proxy.sock')}`;
  const args = ['--listen', address, '--agent', agent.address, '--policy', policyFile];
  args.push('--log', logPath, '--register', registerSpec);

  const requests = makeRequests(REQUESTS, rng);
  const bySha = new Map<string, SentRequest>(requests.map((r) => [r.sha256, r]));
  const answered: SentRequest[] = [];
  const stats = {
    pendingWal: 0,
    tornTail: 0,
    completedByRecovery: 0,
    inFlightAtKill: 0,
    unanswered: 0,
    restarts: 0,
  };

  const verify = async (when: string): Promise<void> => {
    const bytes = readFileSync(logPath);
    const reg = await openRegister(registerSpec);
    const value = await reg.read();
    await reg.close();
    assert.doesNotThrow(
      () => verifyLogBytes(bytes, { expected: value }),
      `${when}: log replays to the register`,
    );
    const logged = lookUpLog(bytes);
    let lastSeq = -1;
    for (const rec of agent.received()) {
      if (rec.service !== AGENT_SERVICE) continue;
      const sent = bySha.get(rec.sha256);
      assert.ok(sent, `${when}: the agent received ${rec.method} bytes no client sent`);
      assert.ok(sent.allowed, `${when}: denied request ${sent.id} reached the agent`);
      const event = logged.get(sent.key);
      assert.equal(event?.decision, 'allow', `${when}: ${sent.id} reached the agent without a log record`);
      // One agent connection, forwards issued as commits resolve: the agent sees log order.
      assert.ok(
        event.seq > lastSeq,
        `${when}: ${sent.id} (seq ${event.seq}) reached the agent out of log order`,
      );
      lastSeq = event.seq;
    }
    for (const r of answered)
      assert.equal(
        logged.get(r.key)?.decision,
        r.allowed ? 'allow' : 'deny',
        `${when}: answered ${r.id} not in the log`,
      );
  };

  proxy = await spawnProxy(address, args);
  const gate = new Gate();
  let next = 0;
  let dispatched = 0;
  let inFlight = 0;
  let progress: () => void = () => undefined;

  const worker = async (): Promise<void> => {
    let client: Client | undefined;
    for (let i = next++; i < REQUESTS; i = next++) {
      const r = requests[i]!;
      while (client === undefined) {
        await gate.wait();
        client = await dialClient(address).catch(() => undefined);
      }
      dispatched++;
      inFlight++;
      progress();
      const c: Client = client;
      const result = await c.call(AGENT_SERVICE, r.method, r.bytes, { timeoutMs: CALL_TIMEOUT_MS }).then(
        () => undefined,
        (e: unknown) => e,
      );
      inFlight--;
      if (c.closed) {
        // Killed while in flight: it may or may not be logged (and, if logged, forwarded).
        stats.unanswered++;
        c.close();
        client = undefined;
        continue;
      }
      if (r.allowed) {
        if (result !== undefined) assert.ok(result instanceof TtrpcError, String(result));
        if (result instanceof TtrpcError)
          assert.notEqual(result.grpcCode, StatusCode.PERMISSION_DENIED, r.id);
      } else {
        assert.ok(result instanceof TtrpcError, `${r.id}: expected a denial`);
        assert.equal(result.grpcCode, StatusCode.PERMISSION_DENIED, result.message);
        assert.match(result.message, new RegExp(`^${r.method}Request is blocked by policy`));
      }
      answered.push(r);
    }
    client?.close();
  };

  const killer = async (): Promise<void> => {
    const window = REQUESTS / KILLS;
    for (let k = 0; k < KILLS; k++) {
      const threshold = Math.floor(k * window + rng() * window);
      while (dispatched < Math.max(1, threshold) && next < REQUESTS) {
        await new Promise<void>((r) => {
          progress = r;
        });
      }
      const jitter = rng() * MAX_KILL_JITTER_MS;
      if (jitter >= 1) await sleep(jitter);
      else await new Promise((r) => setImmediate(r));
      gate.close();
      stats.inFlightAtKill += inFlight;
      await proxy?.kill9();
      if (existsSync(`${logPath}.wal`) && statSync(`${logPath}.wal`).size > 0) stats.pendingWal++;
      const beforeRecovery = parseLog(readFileSync(logPath));
      if (beforeRecovery.tail !== 'clean') stats.tornTail++;
      proxy = await spawnProxy(address, args);
      stats.restarts++;
      // A whole record in the log was extended into the register before it was written, so
      // recovery keeps it; it may add the pending commit's events (completed) or not (discarded).
      const grown = parseLog(readFileSync(logPath)).records.length - 1 - beforeRecovery.records.length;
      assert.ok(grown >= 0, `restart ${k + 1}: recovery dropped ${-grown} whole record(s)`);
      if (grown > 0) stats.completedByRecovery++;
      await verify(`after restart ${k + 1}`);
      gate.open();
    }
  };

  await Promise.all([killer(), ...Array.from({ length: CLIENTS }, worker)]);
  await proxy.stop();
  proxy = undefined;
  await verify('at the end');

  const events = parseLog(readFileSync(logPath)).records;
  assert.equal(
    events.filter((e) => e.operation === 'policy').length,
    KILLS + 1,
    'one policy event per start',
  );
  assert.equal(stats.restarts, KILLS);
  assert.equal(dispatched, REQUESTS);
  const received = agent.received().filter((r) => r.service === AGENT_SERVICE).length;
  t.diagnostic(
    `${REQUESTS} requests, ${answered.length} answered, ${stats.unanswered} cut by a kill; ` +
      `${received} reached the agent; ${events.length} log records; kills with a pending WAL: ` +
      `${stats.pendingWal}, with a torn tail: ${stats.tornTail}; restarts whose recovery wrote pending events: ` +
      `${stats.completedByRecovery}; requests in flight at the kills: ${stats.inFlightAtKill}`,
  );
  assert.ok(answered.some((r) => !r.allowed) && answered.some((r) => r.allowed), 'both decisions exercised');
}
