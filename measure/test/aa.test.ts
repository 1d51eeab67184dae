import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { listen, Server } from '../../proto/ttrpc/index.js';
import {
  AA_EXTEND_METHOD,
  AA_SERVICE,
  encodeRecord,
  MeasurementLog,
  openRegister,
  SHA384,
  verifyLogBytes,
} from '../index.js';

/** Decodes ExtendRuntimeMeasurementRequest (fields 1–3 strings, 4 varint) the way the AA's prost would. */
function decodeRequest(b: Uint8Array): {
  domain: string;
  operation: string;
  content: string;
  index?: number;
} {
  const buf = Buffer.from(b);
  const out: Record<number, string | number> = {};
  let o = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const x = buf[o++]!;
      v += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) return v;
      shift += 7;
    }
  };
  while (o < buf.length) {
    const key = varint();
    if ((key & 7) === 2) {
      const len = varint();
      out[key >> 3] = buf.subarray(o, o + len).toString('utf8');
      o += len;
    } else out[key >> 3] = varint();
  }
  return {
    domain: String(out[1] ?? ''),
    operation: String(out[2] ?? ''),
    content: String(out[3] ?? ''),
    ...(out[4] !== undefined ? { index: Number(out[4]) } : {}),
  };
}

let dir: string;
let server: Server;
let listener: NetServer;
const aaLog: Buffer[] = [];
const indexes: (number | undefined)[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ward-aa-'));
  // No CoCo Attestation Agent binary exists on CI machines: this stand-in speaks its ttrpc
  // method and keeps an AAEL the way the AA does (TCG2 record, SHA-384, MR index 4), so the
  // test checks Ward's request encoding and that both logs come out byte-identical.
  server = new Server().register(AA_SERVICE, {
    [AA_EXTEND_METHOD]: (payload: Uint8Array) => {
      const r = decodeRequest(payload);
      indexes.push(r.index);
      aaLog.push(encodeRecord(4, SHA384, r).bytes);
      return new Uint8Array(0);
    },
  });
  listener = await listen(`unix://${join(dir, 'aa.sock')}`);
  server.serve(listener);
});
after(async () => {
  await server.shutdown();
  await rm(dir, { recursive: true, force: true });
});

test('aa: backend sends ExtendRuntimeMeasurement; the AA log equals Ward mirror log byte for byte', async () => {
  const spec = `aa:unix://${join(dir, 'aa.sock')}#pcr=17`;
  const log = await MeasurementLog.open({
    path: join(dir, 'mirror.log'),
    register: await openRegister(spec),
  });
  for (let i = 0; i < 3; i++) await log.appendEvent('ward', 'CreateContainer', { i, decision: 'allow' });
  await log.close();
  const mirror = await readFile(join(dir, 'mirror.log'));
  assert.deepEqual(Buffer.concat(aaLog), mirror);
  assert.deepEqual(indexes, [17, 17, 17]);
  assert.equal(verifyLogBytes(mirror).records, 3);
  // Reopening recovers the mirror without reading a register the AA does not expose.
  const again = await MeasurementLog.open({
    path: join(dir, 'mirror.log'),
    register: await openRegister(spec),
  });
  assert.equal(again.nextSequence, 3);
  await again.close();
});

test('aa: an unreachable Attestation Agent fails the append (closed) and poisons the log', async () => {
  const spec = `aa:unix://${join(dir, 'nobody.sock')}`;
  const log = await MeasurementLog.open({ path: join(dir, 'dead.log'), register: await openRegister(spec) });
  await assert.rejects(log.appendEvent('ward', 'x', {}), { code: 'ERR_MEASURE_REGISTER' });
  await assert.rejects(log.appendEvent('ward', 'y', {}), /refuses appends/);
  await log.close();
});
