import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import type { ConnectionHandler } from '../ttrpc/connection.js';
import { Connection } from '../ttrpc/index.js';

/** A duplex that records how its writes reached it: one write, or several in one writev. */
class Recorder extends Duplex {
  readonly writes: number[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.writes.push(1);
    void chunk;
    cb();
  }
  override _writev(chunks: { chunk: Buffer }[], cb: () => void): void {
    this.writes.push(chunks.length);
    cb();
  }
}

const handler: ConnectionHandler = { onFrame() {}, onOversized() {}, onClose() {} };
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('the first frame of a tick is written at once, the rest of the tick leave together in one writev', async () => {
  const socket = new Recorder();
  const conn = new Connection(socket, handler);
  conn.write(Buffer.from('a'));
  assert.deepEqual(socket.writes, [1], 'the first write is not held back');
  conn.write(Buffer.from('b'));
  conn.write(Buffer.from('c'));
  conn.write(Buffer.from('d'));
  assert.deepEqual(socket.writes, [1], 'later writes of the tick wait for its end');
  await tick();
  assert.deepEqual(socket.writes, [1, 3]);
  // A new tick starts a new batch.
  conn.write(Buffer.from('e'));
  assert.deepEqual(socket.writes, [1, 3, 1]);
  await tick();
  conn.write(Buffer.from('f'));
  conn.write(Buffer.from('g'));
  await tick();
  assert.deepEqual(socket.writes, [1, 3, 1, 1, 1]);
  conn.destroy();
});
