import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isMemoryBacked } from '../file-io.js';
import {
  agentEventContent,
  agentOperation,
  fromHex,
  MeasureError,
  MeasurementLog,
  openRegister,
  parseLog,
  type Register,
  verifyLogBytes,
  WARD_DOMAIN,
} from '../index.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ward-measure-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function makeLog(name: string, n: number): Promise<{ bytes: Buffer; value: Buffer }> {
  const reg = await openRegister(`software:${join(dir, `${name}.reg`)}`);
  const log = await MeasurementLog.open({ path: join(dir, `${name}.log`), register: reg });
  const pending = [];
  for (let i = 0; i < n; i++) pending.push(log.appendEvent(WARD_DOMAIN, 'test', { i, text: `event ${i}` }));
  const results = await Promise.all(pending);
  assert.deepEqual(
    results.map((r) => r.sequence),
    [...Array(n).keys()],
  );
  const value = log.value;
  await log.close();
  return { bytes: await readFile(join(dir, `${name}.log`)), value };
}

test('appends replay to the software register; reopening continues the sequence', async () => {
  const { bytes, value } = await makeLog('basic', 10);
  const s = verifyLogBytes(bytes, { expected: value });
  assert.equal(s.records, 10);
  const reg = await openRegister(`software:${join(dir, 'basic.reg')}`);
  assert.deepEqual(await reg.read(), value);
  const log = await MeasurementLog.open({ path: join(dir, 'basic.log'), register: reg });
  const r = await log.appendEvent(WARD_DOMAIN, 'more', { x: 1 });
  assert.equal(r.sequence, 10);
  await log.close();
});

test('a second writer is refused while the first holds the lock', async () => {
  const reg = await openRegister(`software:${join(dir, 'lock.reg')}`);
  const log = await MeasurementLog.open({ path: join(dir, 'lock.log'), register: reg });
  const reg2 = await openRegister(`software:${join(dir, 'lock.reg')}`);
  await assert.rejects(MeasurementLog.open({ path: join(dir, 'lock.log'), register: reg2 }), {
    code: 'ERR_MEASURE_LOCKED',
  });
  await reg2.close();
  await log.close();
});

test('agent events carry rpc, redacted bulk data, decision, policy digest and seq', async () => {
  const reg = await openRegister(`software:${join(dir, 'agent.reg')}:sha256`);
  const log = await MeasurementLog.open({ path: join(dir, 'agent.log'), register: reg });
  const content = agentEventContent({
    rpc: 'WriteStreamRequest',
    request: { container_id: 'c1', exec_id: 'e1', data: [104, 105] },
    decision: 'allow',
    policyDigest: 'sha256:abcd',
  });
  await log.appendEvent(WARD_DOMAIN, agentOperation('WriteStreamRequest'), content);
  await log.close();
  const rec = parseLog(await readFile(join(dir, 'agent.log'))).records[0]!;
  assert.equal(rec.operation, 'WriteStream');
  const hi = createHash('sha256').update('hi').digest('hex');
  assert.equal(
    rec.content,
    `{"decision":"allow","policy":"sha256:abcd","request":{"container_id":"c1","data":{"length":2,"sha256":"${hi}"},` +
      '"exec_id":"e1"},"rpc":"WriteStreamRequest","seq":0}',
  );
});

test('bad content is refused without consuming a sequence number', async () => {
  const reg = await openRegister(`software:${join(dir, 'bad.reg')}`);
  const log = await MeasurementLog.open({ path: join(dir, 'bad.log'), register: reg });
  await assert.rejects(log.appendEvent('a b', 'op', {}), MeasureError);
  await assert.rejects(log.appendEvent('d', 'op', { seq: 3 }), /seq/);
  await assert.rejects(log.appendEvent('d', 'op', { n: Number.NaN }), /JSON number/);
  assert.equal((await log.appendEvent('d', 'op', {})).sequence, 0);
  await log.close();
});

/** Splits a log into its records' bytes. */
function split(bytes: Buffer): Buffer[] {
  return parseLog(bytes).records.map((r) => bytes.subarray(r.offset, r.offset + r.length));
}

test('tampering: every flipped byte, dropped, duplicated, reordered or truncated record fails and is named', async () => {
  const { bytes, value } = await makeLog('tamper', 6);
  const recs = split(bytes);
  const check = (mutated: Buffer, pattern: RegExp, what: string): void => {
    assert.throws(
      () => verifyLogBytes(mutated, { expected: value }),
      (err: unknown) => {
        assert.ok(err instanceof MeasureError, what);
        assert.match(err.message, pattern, `${what}: ${err.message}`);
        return true;
      },
    );
  };
  // Every single byte of record 3, flipped: the error names record 3.
  const r3 = parseLog(bytes).records[3]!;
  for (let i = r3.offset; i < r3.offset + r3.length; i++) {
    const m = Buffer.from(bytes);
    m[i]! ^= 0x01;
    check(m, /record 3\b/, `flip byte ${i - r3.offset} of record 3`);
  }
  check(Buffer.concat([recs[0]!, recs[1]!, recs[3]!, recs[4]!, recs[5]!]), /record 2\b/, 'drop record 2');
  check(
    Buffer.concat([recs[0]!, recs[1]!, recs[2]!, recs[2]!, recs[3]!, recs[4]!, recs[5]!]),
    /record 3\b/,
    'duplicate record 2',
  );
  check(
    Buffer.concat([recs[0]!, recs[2]!, recs[1]!, recs[3]!, recs[4]!, recs[5]!]),
    /record 1\b/,
    'swap records 1 and 2',
  );
  check(Buffer.concat(recs.slice(0, 5)), /after record 4/, 'drop the last record');
  check(bytes.subarray(0, bytes.length - 7), /record 5\b/, 'truncate inside the last record');
  check(bytes.subarray(0, recs[0]!.length + 10), /record 1\b/, 'truncate inside record 1');
  // The untouched log verifies, and a wrong expected value does not.
  assert.equal(verifyLogBytes(bytes, { expected: value }).records, 6);
  assert.throws(() => verifyLogBytes(bytes, { expected: fromHex('00'.repeat(48)) }), /register holds/);
});

test('a log for another algorithm is rejected', async () => {
  const { bytes } = await makeLog('alg', 2);
  const reg = await openRegister(`software:${join(dir, 'alg256.reg')}:sha256`);
  assert.throws(
    () => verifyLogBytes(bytes, { alg: reg.alg, expected: Buffer.alloc(32) }),
    /another algorithm/,
  );
  await reg.close();
});

test('the records recovery read on open are handed over once, and only when asked for', async () => {
  await makeLog('kept', 5);
  const open = async (keepRecoveredRecords: boolean): Promise<MeasurementLog> =>
    MeasurementLog.open({
      path: join(dir, 'kept.log'),
      register: await openRegister(`software:${join(dir, 'kept.reg')}`),
      keepRecoveredRecords,
    });
  const kept = await open(true);
  const records = kept.takeRecoveredRecords();
  assert.deepEqual(
    records.map((r) => JSON.parse(r.content).i),
    [0, 1, 2, 3, 4],
  );
  assert.deepEqual(kept.takeRecoveredRecords(), []);
  await kept.close();
  const plain = await open(false);
  assert.deepEqual(plain.takeRecoveredRecords(), []);
  await plain.close();
});

test('an append made alone commits before the check phase; appends of one callback share a commit', async () => {
  // On memory-backed storage a commit has no I/O wait, so when it starts decides when it resolves.
  // Every Linux host Ward runs on (and CI) mounts tmpfs at /dev/shm.
  assert.ok(existsSync('/dev/shm'), 'the check needs the memory-backed /dev/shm');
  const shm = await mkdtemp('/dev/shm/ward-alone-');
  try {
    const inner = await openRegister(`software:${join(shm, 'reg')}`);
    const batches: number[] = [];
    const reg: Register = {
      spec: inner.spec,
      alg: inner.alg,
      mrIndex: inner.mrIndex,
      hardwareRoot: inner.hardwareRoot,
      description: inner.description,
      initialValue: () => inner.initialValue(),
      read: () => inner.read(),
      extend: (d) => inner.extend(d),
      extendMany: async (ds) => {
        batches.push(ds.length);
        await inner.extendMany!(ds);
      },
      close: () => inner.close(),
    };
    const log = await MeasurementLog.open({ path: join(shm, 'm.log'), register: reg });
    const order: string[] = [];
    const race = async (alone: boolean): Promise<void> => {
      setImmediate(() => order.push('check phase'));
      const a = log.appendEvent(WARD_DOMAIN, 'test', { n: 1 }, { alone });
      const b = log.appendEvent(WARD_DOMAIN, 'test', { n: 2 }, { alone });
      await Promise.all([a, b]);
      order.push(alone ? 'alone committed' : 'committed');
      await new Promise((r) => setImmediate(r));
    };
    await race(true);
    await race(false);
    assert.deepEqual(order, ['alone committed', 'check phase', 'check phase', 'committed']);
    assert.deepEqual(batches, [2, 2]);
    await log.close();
  } finally {
    await rm(shm, { recursive: true, force: true });
  }
});

test('an append made now is durable when it returns, and only a log that can commit in this thread makes one', async () => {
  assert.ok(existsSync('/dev/shm'), 'the check needs the memory-backed /dev/shm');
  const shm = await mkdtemp('/dev/shm/ward-now-');
  try {
    const reg = await openRegister(`software:${join(shm, 'reg')}`);
    const log = await MeasurementLog.open({ path: join(shm, 'm.log'), register: reg });
    assert.equal(log.commitsNow, true);
    const r0 = log.appendEventNow(WARD_DOMAIN, 'test', { n: 0 });
    // Durable before anything else runs: the file and the register already hold it.
    const bytes = await readFile(join(shm, 'm.log'));
    assert.equal(bytes.length, r0.offset + parseLog(bytes).records[0]!.length);
    assert.equal(r0.register, log.value.toString('hex'));
    assert.equal((await reg.read()).toString('hex'), r0.register);
    // A queued append comes first: no append made now may overtake it.
    const queued = log.appendEvent(WARD_DOMAIN, 'test', { n: 1 }, { alone: true });
    assert.equal(log.commitsNow, false);
    assert.throws(
      () => log.appendEventNow(WARD_DOMAIN, 'test', { n: 9 }),
      /cannot commit in the calling thread/,
    );
    assert.equal((await queued).sequence, 1);
    assert.equal(log.commitsNow, true);
    assert.equal(log.appendEventNow(WARD_DOMAIN, 'test', { n: 2 }).sequence, 2);
    assert.throws(() => log.appendEventNow(WARD_DOMAIN, 'test', { seq: 1 }), /must not set 'seq'/);
    assert.equal(log.nextSequence, 3, 'refused content takes no sequence number');
    const all = await readFile(join(shm, 'm.log'));
    assert.equal(verifyLogBytes(all, { expected: log.value }).records, 3);
    assert.deepEqual(
      parseLog(all).records.map((r) => (JSON.parse(r.content) as { n: number }).n),
      [0, 1, 2],
    );
    await log.close();
    assert.equal(log.commitsNow, false, 'closed');
  } finally {
    await rm(shm, { recursive: true, force: true });
  }
  // On a disk the commit waits for fdatasync in the thread pool: never in the calling thread.
  if (await isMemoryBacked(dir)) return;
  const reg = await openRegister(`software:${join(dir, 'now.reg')}`);
  const log = await MeasurementLog.open({ path: join(dir, 'now.log'), register: reg });
  assert.equal(log.commitsNow, false);
  assert.throws(
    () => log.appendEventNow(WARD_DOMAIN, 'test', { n: 0 }),
    /cannot commit in the calling thread/,
  );
  assert.equal(log.nextSequence, 0);
  await log.close();
});

test('an append made now that fails to commit poisons the log, as a queued one does', async () => {
  const shm = await mkdtemp('/dev/shm/ward-now-fail-');
  try {
    const reg = await openRegister(`software:${join(shm, 'reg')}`);
    const log = await MeasurementLog.open({ path: join(shm, 'm.log'), register: reg });
    log.appendEventNow(WARD_DOMAIN, 'test', { n: 0 });
    await reg.close(); // the register file's descriptor is gone: its write fails
    assert.throws(() => log.appendEventNow(WARD_DOMAIN, 'test', { n: 1 }), /fd/);
    assert.equal(log.commitsNow, false);
    assert.throws(() => log.appendEventNow(WARD_DOMAIN, 'test', { n: 2 }), /refuses appends after a failure/);
    await assert.rejects(log.appendEvent(WARD_DOMAIN, 'test', { n: 3 }), /refuses appends after a failure/);
  } finally {
    await rm(shm, { recursive: true, force: true });
  }
});
