import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CallContext, isClosedError, StatusCode, TtrpcError } from '../ttrpc/index.js';
import { Harness, text, utf8 } from './ttrpc-harness.js';

function blockingService(release: (() => void)[], signals: AbortSignal[]) {
  return {
    'test.S': {
      Block: (_p: Uint8Array, ctx: CallContext) => {
        signals.push(ctx.signal);
        return new Promise<Uint8Array>((resolve) => release.push(() => resolve(utf8('done'))));
      },
      Echo: (p: Uint8Array) => p,
    },
  };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition not reached');
}

test('graceful shutdown: in-flight calls finish, new calls are refused, then connections close', async () => {
  const release: (() => void)[] = [];
  const h = await new Harness(blockingService(release, [])).start();
  const c = await h.client();
  const idle = await h.client();
  await idle.call('test.S', 'Echo', utf8('x'));
  const inflight = c.call('test.S', 'Block', new Uint8Array(0));
  await until(() => release.length === 1);
  const done = h.server.shutdown();
  assert.equal(h.server.state, 'shutting-down');
  // The idle connection is closed right away; the busy one still answers new calls with UNAVAILABLE.
  await new Promise<void>((resolve) => idle.addCloseListener(() => resolve()));
  await assert.rejects(c.call('test.S', 'Echo', utf8('y')), (e: unknown) => {
    return (
      e instanceof TtrpcError && e.grpcCode === StatusCode.UNAVAILABLE && /shutting down/.test(e.message)
    );
  });
  release[0]!();
  assert.equal(text(await inflight), 'done');
  await done;
  assert.equal(h.server.state, 'closed');
  await until(() => c.closed);
  await h.stop();
});

test('forced close aborts handlers and fails the pending calls with closed', async () => {
  const release: (() => void)[] = [];
  const signals: AbortSignal[] = [];
  const h = await new Harness(blockingService(release, signals)).start();
  const c = await h.client();
  const p = assert.rejects(c.call('test.S', 'Block', new Uint8Array(0)), (e: unknown) => isClosedError(e));
  await until(() => signals.length === 1);
  await h.server.close();
  await p;
  assert.equal(signals[0]?.aborted, true);
  release[0]!();
  await h.stop();
});

test('a client that disconnects aborts its in-flight handlers with a closed error', async () => {
  const release: (() => void)[] = [];
  const signals: AbortSignal[] = [];
  const h = await new Harness(blockingService(release, signals)).start();
  const c = await h.client();
  const p = assert.rejects(c.call('test.S', 'Block', new Uint8Array(0)), (e: unknown) => isClosedError(e));
  await until(() => signals.length === 1);
  c.close();
  await p;
  await until(() => signals[0]?.aborted === true);
  assert.ok(isClosedError(signals[0]?.reason));
  assert.equal(h.server.connectionCount, 0);
  release[0]!();
  await h.stop();
});
