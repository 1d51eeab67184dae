import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AGENT_SERVICE, type Client, encode, HEALTH_SERVICE } from '../../proto/index.js';
import { LATENCY_BUCKETS } from '../index.js';
import { type ProxyProcess, spawnProxy } from './crash-proxy.js';
import { type AgentProcess, dialClient, startAgent, tempDir } from './harness.js';

// `--metrics` of the real binary, on a unix socket path (a TCP port chosen by the kernel could
// not be learnt from outside): GET /metrics after a known mix of requests gives exact per-RPC
// counts by outcome, the denials, and both latency histograms (one observation per agent request).

const POLICY = `package agent_policy

import rego.v1

default ExecProcessRequest := false
ExecProcessRequest if startswith(input.container_id, "ok-")

default CreateContainerRequest := false
`;

let tmp: { dir: string; cleanup: () => void };
let agent: AgentProcess;
let proxy: ProxyProcess;
let client: Client;
let metricsSocket: string;

before(async () => {
  tmp = tempDir('ward-proxy-metrics-');
  agent = await startAgent(tmp.dir);
  writeFileSync(join(tmp.dir, 'policy.rego'), POLICY);
  metricsSocket = join(tmp.dir, 'metrics.sock');
  const address = `unix://${join(tmp.dir, 'proxy.sock')}`;
  proxy = await spawnProxy(address, [
    ...['--listen', address, '--agent', agent.address, '--policy', join(tmp.dir, 'policy.rego')],
    ...['--log', join(tmp.dir, 'log'), '--register', `software:${join(tmp.dir, 'register')}`],
    ...['--metrics', metricsSocket],
  ]);
  client = await dialClient(address);
});

after(async () => {
  client?.close();
  await proxy?.stop();
  await agent?.stop();
  tmp?.cleanup();
});

function get(path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: metricsSocket, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** `name{labels}` → value, for every sample line of a Prometheus text exposition. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

const call = (method: string, bytes: Uint8Array, service = AGENT_SERVICE): Promise<unknown> =>
  client.call(service, method, bytes, { timeoutMs: 10_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
const exec = (cid: string): Uint8Array =>
  encode('grpc.ExecProcessRequest', { container_id: cid, exec_id: 'e' } as never);

test('GET /metrics: per-RPC counts by outcome, denials and both histograms', async () => {
  for (const cid of ['ok-1', 'ok-2', 'ok-3', 'no-1', 'no-2']) await call('ExecProcess', exec(cid));
  await call('CreateContainer', encode('grpc.CreateContainerRequest', { container_id: 'x' } as never));
  await call('StatsContainer', encode('grpc.StatsContainerRequest', { container_id: 'x' } as never));
  await call('NoSuchMethod', new Uint8Array(0));
  await call('Check', encode('grpc.CheckRequest', { service: '' } as never), HEALTH_SERVICE);

  const r = await get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.type, /^text\/plain; version=0\.0\.4/);
  const m = samples(r.body);
  const count = (method: string, outcome: string): number | undefined =>
    m.get(`ward_proxy_requests_total{method="${method}",outcome="${outcome}"}`);
  assert.equal(count('ExecProcess', 'allowed'), 3);
  assert.equal(count('ExecProcess', 'denied'), 2);
  assert.equal(count('CreateContainer', 'denied'), 1);
  assert.equal(count('StatsContainer', 'error'), 1, 'a policy without a rule is an error, not a denial');
  assert.equal(count('NoSuchMethod', 'error'), 1);
  assert.equal(count('Check', 'health'), 1);
  assert.equal(m.get('ward_proxy_denials_total{method="ExecProcess"}'), 2);
  assert.equal(m.get('ward_proxy_denials_total{method="CreateContainer"}'), 1);
  assert.equal(m.get('ward_proxy_denials_total{method="StatsContainer"}'), undefined);
  assert.equal(m.get('ward_proxy_forward_errors_total'), 0);

  // Every agent request (not Health) is decided and logged once, in its method's histograms.
  const perMethod: Record<string, number> = {
    ExecProcess: 5,
    CreateContainer: 1,
    StatsContainer: 1,
    NoSuchMethod: 1,
  };
  for (const h of ['ward_proxy_decision_seconds', 'ward_proxy_log_append_seconds']) {
    assert.match(r.body, new RegExp(`^# TYPE ${h} histogram$`, 'm'));
    assert.equal(m.get(`${h}_count{method="Check"}`), undefined, `${h}: health is not decided`);
    for (const [method, n] of Object.entries(perMethod)) {
      const label = `method="${method}"`;
      assert.equal(m.get(`${h}_count{${label}}`), n, `${h} ${method}`);
      assert.equal(m.get(`${h}_bucket{${label},le="+Inf"}`), n, `${h} ${method}`);
      const sum = m.get(`${h}_sum{${label}}`) ?? -1;
      assert.ok(sum > 0 && sum < n * 60, `${h}_sum of ${method} is a plausible number of seconds`);
      let previous = 0;
      for (const le of LATENCY_BUCKETS) {
        const v = m.get(`${h}_bucket{${label},le="${le}"}`);
        assert.ok(v !== undefined && v >= previous && v <= n, `${h} ${method} bucket ${le} cumulative`);
        previous = v;
      }
    }
  }

  const missing = await get('/other');
  assert.equal(missing.status, 404);
});
