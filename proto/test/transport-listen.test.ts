import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, listen } from '../index.js';

// listen() resolves after the bind; a caller may await something (a config read, a chmod)
// before it attaches its handler. A peer that connects in that gap must still be served.
for (const kind of ['unix', 'tcp'] as const) {
  test(`${kind}: a connection accepted before the handler is attached is delivered, not dropped`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-listen-'));
    try {
      const address = kind === 'unix' ? `unix://${join(dir, 's.sock')}` : 'tcp://127.0.0.1:0';
      const server = await listen(address, kind === 'unix' ? { mode: 0o600 } : {});
      if (kind === 'unix') assert.equal(statSync(join(dir, 's.sock')).mode & 0o777, 0o600);
      const port = kind === 'tcp' ? (server.address() as { port: number }).port : 0;
      const client = await connect(kind === 'unix' ? address : `tcp://127.0.0.1:${port}`);
      client.write('early');
      await sleep(100); // the accept happens while nobody listens for 'connection'
      const got = new Promise<string>((resolve) => {
        server.on('connection', (s: Socket) => s.once('data', (d: Buffer) => resolve(d.toString())));
      });
      assert.equal(await got, 'early');
      client.destroy();
      server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
