import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AGENT_SERVICE, connect, decode, encode, HEALTH_SERVICE } from '../../proto/index.js';
import { Client } from '../../proto/ttrpc/index.js';
import { startRuncAgent } from '../runc-agent/index.js';
import { makeRoot, skipReason } from './runc-agent-fixtures.js';

const skip = skipReason();

async function check(address: string): Promise<number> {
  const client = new Client(await connect(address));
  try {
    const res = await client.call(HEALTH_SERVICE, 'Check', encode('grpc.CheckRequest', { service: '' }));
    return decode('grpc.HealthCheckResponse', res).status as number;
  } finally {
    client.close();
  }
}

for (const [name, addr] of [
  ['unix', (root: string) => `unix://${join(root, 'a.sock')}`],
  ['abstract unix', (root: string) => `unix://@ward-test-${root.slice(-6)}`],
  ['tcp', () => 'tcp://127.0.0.1:0'],
  ['hybrid vsock', (root: string) => `hvsock://${join(root, 'kata.hvsock')}:1024`],
] as const) {
  test(`the in-process agent serves over ${name}`, { skip }, async () => {
    const root = makeRoot('tr');
    const agent = await startRuncAgent({ listen: addr(root), root });
    try {
      assert.equal(await check(agent.address), 1);
      assert.equal(agent.recorder.counts.get(`${HEALTH_SERVICE}/Check`), 1);
      assert.equal(agent.recorder.counts.get(`${AGENT_SERVICE}/CreateSandbox`), undefined);
    } finally {
      await agent.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test('vsock listening', {
  skip: 'AF_VSOCK must not be bound on these machines; the address parses and the same listen path is covered over AF_UNIX',
}, () => {});
