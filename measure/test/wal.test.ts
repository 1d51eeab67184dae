import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { encodeRecord, extendValue, MeasurementLog, openRegister, SHA256, SHA384 } from '../index.js';
import { decodeWal, encodeWal, type WalEntry } from '../wal.js';

function entry(n: number): WalEntry {
  let v: Buffer = Buffer.alloc(48, 1);
  const prior = v;
  const events = [];
  for (let i = 0; i < n; i++) {
    const rec = encodeRecord(4, SHA384, { domain: 'ward', operation: 'w', content: `{"seq":${i}}` });
    v = extendValue(SHA384, v, rec.digest);
    events.push({ expected: v, record: rec.bytes });
  }
  return { offset: 1234, alg: SHA384, prior, events };
}

/** The format before CRC-32 (docs/MEASUREMENT-LOG.md): "WARDWAL1" and a trailing SHA-256. */
function encodeWalV1(e: WalEntry): Buffer {
  const v2 = encodeWal(e);
  const body = Buffer.from(v2.subarray(0, v2.length - 4));
  body.write('WARDWAL1', 0, 'ascii');
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

test('a WAL entry round-trips, in the current format and the one before it', () => {
  for (const n of [0, 1, 3]) {
    const e = entry(n);
    for (const bytes of [encodeWal(e), encodeWalV1(e)]) {
      const d = decodeWal(bytes);
      assert.ok(d);
      assert.equal(d.offset, e.offset);
      assert.equal(d.alg, SHA384);
      assert.deepEqual(d.prior, e.prior);
      assert.deepEqual(d.events, e.events);
    }
  }
  assert.equal(encodeWal(entry(1)).subarray(0, 8).toString('ascii'), 'WARDWAL2');
});

test('an entry written over a longer one is read up to its own end: the rest of the old one is ignored', () => {
  const long = encodeWal(entry(3));
  const short = encodeWal(entry(1));
  assert.ok(short.length < long.length);
  const file = Buffer.from(long);
  short.copy(file, 0);
  assert.deepEqual(decodeWal(file)?.events, entry(1).events);
  // The old entry's bytes after the new one change nothing; the new one's own bytes do.
  const flipped = Buffer.from(file);
  flipped[short.length + 3] = (flipped[short.length + 3] ?? 0) ^ 1;
  assert.deepEqual(decodeWal(flipped)?.events, entry(1).events);
  flipped[short.length - 1] = (flipped[short.length - 1] ?? 0) ^ 1;
  assert.equal(decodeWal(flipped), undefined);
});

test('a torn or damaged WAL entry is not trusted: any changed byte or missing tail fails its checksum', () => {
  for (const bytes of [encodeWal(entry(2)), encodeWalV1(entry(2))]) {
    for (let i = 0; i < bytes.length; i += 7) {
      const bad = Buffer.from(bytes);
      bad[i] = (bad[i] ?? 0) ^ 0x20;
      assert.equal(decodeWal(bad), undefined, `byte ${i} changed`);
    }
    for (const cut of [1, 4, 40, bytes.length - 1])
      assert.equal(decodeWal(bytes.subarray(0, bytes.length - cut)), undefined);
  }
  // A whole checksum over a body too short for its header is refused, not read past its end.
  const short = Buffer.from(`WARDWAL2${'\0'.repeat(12)}`, 'latin1');
  short.writeUInt16LE(SHA256.tpmId, 16);
  short.writeUInt16LE(SHA256.size, 18);
  const withCrc = Buffer.alloc(short.length + 4);
  short.copy(withCrc);
  withCrc.writeUInt32LE(crc32(short), short.length);
  assert.equal(decodeWal(withCrc), undefined);
});

test('the software register offers its in-thread extend on tmpfs only, and what commits through either path write recovers', async () => {
  assert.ok(existsSync('/dev/shm'), 'the check needs the memory-backed /dev/shm');
  for (const base of ['/dev/shm', tmpdir()]) {
    const dir = await mkdtemp(join(base, 'ward-now-'));
    try {
      const reg = await openRegister(`software:${join(dir, 'reg')}`);
      assert.equal(reg.extendManyNow !== undefined, base === '/dev/shm');
      const log = await MeasurementLog.open({ path: join(dir, 'm.log'), register: reg });
      const results = await Promise.all([1, 2, 3].map((i) => log.appendEvent('ward', 'now', { i })));
      assert.deepEqual(
        results.map((r) => r.sequence),
        [0, 1, 2],
      );
      const value = log.value;
      assert.equal(results[2]?.register, value.toString('hex'));
      await log.close();
      // What the register file and the WAL hold afterwards is what a reopened log recovers.
      const again = await MeasurementLog.open({
        path: join(dir, 'm.log'),
        register: await openRegister(`software:${join(dir, 'reg')}`),
      });
      assert.deepEqual(again.value, value);
      assert.equal(again.recovery.completed + again.recovery.discarded, 0);
      assert.equal(again.nextSequence, 3);
      await again.close();
      assert.equal((await readFile(join(dir, 'm.log.wal'))).length, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
});
