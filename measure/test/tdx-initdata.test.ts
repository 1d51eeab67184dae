import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  bindInitData,
  decodeAnnotation,
  decodeBlockDevice,
  encodeAnnotation,
  encodeBlockDevice,
  expectedInitDataPcr8,
  initDataDigest,
  MeasurementLog,
  openRegister,
  parseInitData,
  parseLog,
  readInitData,
  TdxRegister,
  type TdxSysfs,
  type TpmRegister,
  teeField,
  verifyLogBytes,
} from '../index.js';
import { pcrreadHex, type Swtpm, startSwtpm, swtpmMissing } from './swtpm-harness.js';

const exec = promisify(execFile);

/**
 * A fake of /sys/class/misc/tdx_guest/measurements: regular files whose writes follow the
 * kernel's RTMR semantics (a 48-byte write extends: new = SHA-384(old || data)). No TDX
 * hardware exists on CI machines, so this is the only part of the TDX backend that is not real.
 */
class FakeTdxSysfs implements TdxSysfs {
  constructor(readonly root: string) {}
  static async create(root: string, mrConfigId: Buffer): Promise<FakeTdxSysfs> {
    for (let i = 0; i < 4; i++) await writeFile(join(root, `rtmr${i}:sha384`), Buffer.alloc(48));
    await writeFile(join(root, 'mrconfigid'), mrConfigId);
    return new FakeTdxSysfs(root);
  }
  read(name: string): Promise<Buffer> {
    return readFile(join(this.root, name));
  }
  async write(name: string, data: Buffer): Promise<void> {
    if (!/^rtmr[0-3]:sha384$/.test(name) || data.length !== 48) throw new Error('EINVAL');
    const old = await readFile(join(this.root, name));
    await writeFile(join(this.root, name), createHash('sha384').update(old).update(data).digest());
  }
}

const TOML = Buffer.from(
  "algorithm = \"sha384\"\nversion = \"0.1.0\"\n\n[data]\n\"aa.toml\" = '''\n[token_configs]\n'''\n\"policy.rego\" = '''\npackage agent_policy\n'''\n",
);

let dir: string;
let tpm: Swtpm | undefined;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ward-tdx-'));
  if (!swtpmMissing()) tpm = await startSwtpm(dir);
});
after(async () => {
  await tpm?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('init-data: three forms decode to the same bytes and digest', () => {
  const init = parseInitData(TOML);
  assert.equal(init.algorithm.name, 'sha384');
  assert.deepEqual(Object.keys(init.data), ['aa.toml', 'policy.rego']);
  assert.deepEqual(initDataDigest(init), createHash('sha384').update(TOML).digest());
  assert.deepEqual(decodeAnnotation(encodeAnnotation(TOML)), TOML);
  const dev = encodeBlockDevice(TOML);
  assert.equal(dev.subarray(0, 8).toString(), 'initdata');
  assert.equal(dev.length % 512, 0);
  assert.deepEqual(decodeBlockDevice(dev), TOML);
  assert.deepEqual(readInitData(dev).raw, TOML);
  assert.deepEqual(readInitData(Buffer.from(encodeAnnotation(TOML))).raw, TOML);
  assert.equal(teeField(initDataDigest(init), 32).length, 32);
  assert.deepEqual(teeField(Buffer.alloc(32, 1), 48).subarray(32), Buffer.alloc(16));
});

test('init-data: malformed TOML, bad algorithm, bad annotation are rejected', () => {
  assert.throws(() => parseInitData(Buffer.from('version = ')), /not valid TOML/);
  assert.throws(() => parseInitData(Buffer.from('version = "0.1.0"\nalgorithm = "md5"\n')), /not sha256/);
  assert.throws(
    () => parseInitData(Buffer.from('version = "0.1.0"\nalgorithm = "sha256"\n[data]\nx = 1\n')),
    /not a string/,
  );
  assert.throws(() => decodeAnnotation('not base64!'), /not base64/);
  assert.throws(() => decodeAnnotation(Buffer.from('plain').toString('base64')), /gzip/);
  assert.throws(
    () => decodeBlockDevice(Buffer.from('initdata\xff\xff\x00\x00\x00\x00\x00\x00', 'latin1')),
    /claims/,
  );
});

test('TDX backend on a fake sysfs: RTMR3 extends, MR index 4, MRCONFIGID checked, replay matches', async () => {
  const init = parseInitData(TOML);
  const sysfs = await FakeTdxSysfs.create(dir, teeField(initDataDigest(init), 48));
  const reg = new TdxRegister('tdx:rtmr=3', 3, sysfs);
  assert.equal(reg.mrIndex, 4);
  const log = await MeasurementLog.open({ path: join(dir, 'tdx.log'), register: reg });
  const bound = await bindInitData(log, init, { tdx: new TdxRegister('tdx:rtmr=3', 3, sysfs) });
  assert.equal(bound.mrConfigId, 'match');
  await log.appendEvent('ward', 'after-initdata', { n: 1 });
  await log.close();
  const rtmr3 = await readFile(join(dir, 'rtmr3:sha384'));
  const bytes = await readFile(join(dir, 'tdx.log'));
  assert.equal(verifyLogBytes(bytes, { expected: rtmr3, mrIndex: 4 }).records, 2);
  const first = parseLog(bytes).records[0]!;
  assert.equal(first.operation, 'initdata');
  assert.equal(first.mrIndex, 4);
  assert.deepEqual(await readFile(join(dir, 'rtmr0:sha384')), Buffer.alloc(48));
  // `ward log verify --register tdx:…:root=DIR` reads RTMR3 from the (fake) sysfs directory.
  const ward = fileURLToPath(new URL('../../bin/ward', import.meta.url));
  const ok = await exec(process.execPath, [
    ward,
    'log',
    'verify',
    join(dir, 'tdx.log'),
    '--register',
    `tdx:rtmr=3:root=${dir}`,
  ]);
  assert.match(ok.stdout, /^OK: 2 records, sha384, MR index 4: .* matches TDX RTMR3/);
  await assert.rejects(
    exec(process.execPath, [
      ward,
      'log',
      'verify',
      join(dir, 'tdx.log'),
      '--register',
      `tdx:rtmr=2:root=${dir}`,
    ]),
    (e: { code?: number; stderr?: string }) => e.code === 2 && /MR index 4, expected 3/.test(e.stderr ?? ''),
  );

  // A different MRCONFIGID refuses the init-data (fail closed) and writes nothing.
  await writeFile(join(dir, 'mrconfigid'), Buffer.alloc(48, 9));
  await rm(join(dir, 'tdx2.log'), { force: true });
  const log2 = await MeasurementLog.open({
    path: join(dir, 'tdx2.log'),
    register: await openRegister(`software:${join(dir, 'tdx2.reg')}`),
  });
  await assert.rejects(
    bindInitData(log2, init, { tdx: new TdxRegister('tdx:rtmr=3', 3, sysfs) }),
    /MRCONFIGID/,
  );
  assert.equal(log2.nextSequence, 0);
  await log2.close();
  assert.throws(() => new TdxRegister('tdx:rtmr=4', 4, sysfs), /does not exist/);
});

test('init-data extends vTPM PCR 8 to sha256(0^32 || digest) as CoCo does (swtpm, read back with tpm2_pcrread)', async (t) => {
  const why = swtpmMissing();
  if (why || !tpm) return t.skip(why ?? 'swtpm did not start');
  const init = parseInitData(TOML);
  const reg = (await openRegister(`tpm:swtpm:${tpm.sock}:pcr=23:sha256`)) as TpmRegister;
  const log = await MeasurementLog.open({ path: join(dir, 'tpm-init.log'), register: reg });
  const side = (await openRegister(`tpm:swtpm:${tpm.sock}:pcr=23:sha256`)) as TpmRegister;
  const bound = await bindInitData(log, init, { tpm: side });
  assert.equal(bound.pcr8Extended, true);
  await log.close();
  await side.close();
  const expected = createHash('sha256')
    .update(Buffer.alloc(32))
    .update(teeField(initDataDigest(init), 32))
    .digest('hex');
  assert.equal(expectedInitDataPcr8(init).toString('hex'), expected);
  assert.equal(await pcrreadHex(tpm, 'sha256', 8), expected);
});
