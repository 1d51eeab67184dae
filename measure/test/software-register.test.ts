import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { extendValue, openRegister, SHA384 } from '../index.js';

/** A register file in the earlier format (docs/MEASUREMENT-LOG.md): "WARDSREG" … SHA-256. */
function fileV1(value: Buffer, mr: number): Buffer {
  const body = Buffer.alloc(12 + value.length);
  body.write('WARDSREG', 0, 'ascii');
  body.writeUInt16LE(SHA384.tpmId, 8);
  body.writeUInt16LE(mr, 10);
  value.copy(body, 12);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

test('a software register file of the earlier format is read, and rewritten in place in the current one at the next extend', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ward-sreg-'));
  try {
    const path = join(dir, 'reg');
    const value = Buffer.alloc(48, 0x5a);
    await writeFile(path, fileV1(value, 4));
    const reg = await openRegister(`software:${path}`);
    assert.deepEqual(await reg.read(), value);
    const d = Buffer.alloc(48, 7);
    await reg.extend(d);
    await reg.close();
    const bytes = await readFile(path);
    assert.equal(bytes.length, fileV1(value, 4).length, 'same length: rewritten in place');
    assert.equal(bytes.subarray(0, 8).toString('ascii'), 'WARDSRG2');
    const again = await openRegister(`software:${path}`);
    assert.deepEqual(await again.read(), extendValue(SHA384, value, d));
    await again.close();

    // Any changed byte of either format is refused, never trusted.
    for (const good of [bytes, fileV1(value, 4)]) {
      for (let i = 0; i < good.length; i += 5) {
        const bad = Buffer.from(good);
        bad[i] = (bad[i] ?? 0) ^ 0x01;
        await writeFile(path, bad);
        await assert.rejects(
          openRegister(`software:${path}`).then((r) => r.close()),
          { code: 'ERR_MEASURE_REGISTER' },
          `byte ${i} changed`,
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
