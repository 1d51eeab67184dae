import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeRecord, extendValue, MeasurementLog, openRegister, SHA384, verifyLogBytes } from '../index.js';
import { encodeWal } from '../wal.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ward-recovery-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function seed(name: string, n: number): Promise<{ log: string; spec: string }> {
  const log = join(dir, `${name}.log`);
  const spec = `software:${join(dir, `${name}.reg`)}`;
  const ml = await MeasurementLog.open({ path: log, register: await openRegister(spec) });
  for (let i = 0; i < n; i++) await ml.appendEvent('ward', 'seed', { i });
  await ml.close();
  return { log, spec };
}

test('a torn last record is cut off and appending continues', async () => {
  const { log, spec } = await seed('torn', 3);
  const before = await readFile(log);
  await appendFile(
    log,
    encodeRecord(4, SHA384, { domain: 'ward', operation: 'x', content: '{"seq":3}' }).bytes.subarray(0, 30),
  );
  const ml = await MeasurementLog.open({ path: log, register: await openRegister(spec) });
  assert.equal(ml.recovery.tornBytes, 30);
  assert.equal(ml.nextSequence, 3);
  await ml.appendEvent('ward', 'after', {});
  await ml.close();
  assert.deepEqual((await readFile(log)).subarray(0, before.length), before);
});

test('a pending commit whose extend happened is completed; one whose extend did not is discarded', async () => {
  for (const extended of [true, false]) {
    const { log, spec } = await seed(`wal-${extended}`, 2);
    const reg = await openRegister(spec);
    const prior = await reg.read();
    const offset = (await readFile(log)).length;
    const rec = encodeRecord(4, SHA384, { domain: 'ward', operation: 'pending', content: '{"seq":2}' });
    const expected = extendValue(SHA384, prior, rec.digest);
    await writeFile(
      `${log}.wal`,
      encodeWal({ offset, alg: SHA384, prior, events: [{ expected, record: rec.bytes }] }),
    );
    if (extended) await reg.extend(rec.digest);
    await reg.close();
    const ml = await MeasurementLog.open({ path: log, register: await openRegister(spec) });
    assert.equal(ml.recovery.completed, extended ? 1 : 0);
    assert.equal(ml.recovery.discarded, extended ? 0 : 1);
    assert.equal(ml.nextSequence, extended ? 3 : 2);
    const value = ml.value;
    await ml.close();
    assert.equal(verifyLogBytes(await readFile(log), { expected: value }).records, extended ? 3 : 2);
    assert.equal((await readFile(`${log}.wal`)).length, 0);
  }
});

test("a register extended behind the log's back is refused (fail closed)", async () => {
  const { log, spec } = await seed('foreign', 2);
  const reg = await openRegister(spec);
  await reg.extend(Buffer.alloc(48, 7));
  await reg.close();
  await assert.rejects(MeasurementLog.open({ path: log, register: await openRegister(spec) }), {
    code: 'ERR_MEASURE_MISMATCH',
  });
});

test('a log corrupted in the middle is refused, not repaired', async () => {
  const { log, spec } = await seed('middle', 3);
  const bytes = await readFile(log);
  bytes[5] = 0x7f;
  await writeFile(log, bytes);
  await assert.rejects(MeasurementLog.open({ path: log, register: await openRegister(spec) }), {
    code: 'ERR_MEASURE_LOG_CORRUPT',
  });
  await truncate(log, 0);
});
