import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MeasurementLog, openRegister, parseLog, SHA256, type TpmRegister, verifyQuote } from '../index.js';
import { makeAk, pcrreadHex, type Swtpm, startSwtpm, swtpmMissing, tpm2 } from './swtpm-harness.js';

const exec = promisify(execFile);
const WARD = fileURLToPath(new URL('../../bin/ward', import.meta.url));
const AK_HANDLE = '0x81010002';
const NONCE = '5ea1ed0f00ba47';

let dir: string;
let tpm: Swtpm | undefined;
const skip = swtpmMissing();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ward-tpm-'));
  if (!skip) tpm = await startSwtpm(dir);
});
after(async () => {
  await tpm?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function ward(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [WARD, ...args]);
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

test('events appended by Ward read back with tpm2_pcrread (sha256 and sha384 banks)', async (t) => {
  if (skip || !tpm) return t.skip(skip ?? 'swtpm did not start');
  for (const [bank, pcr] of [
    ['sha256', 23],
    ['sha384', 16],
  ] as const) {
    const spec = `tpm:swtpm:${tpm.sock}:pcr=${pcr}:${bank}`;
    const log = await MeasurementLog.open({
      path: join(dir, `${bank}.log`),
      register: await openRegister(spec),
    });
    let last = '';
    for (let i = 0; i < 5; i++) last = (await log.appendEvent('ward', 'pcr-test', { i, bank })).register;
    await log.close();
    assert.equal(await pcrreadHex(tpm, bank, pcr), last);
    const v = await ward(['log', 'verify', join(dir, `${bank}.log`), '--register', spec]);
    assert.equal(v.code, 0, v.err);
    assert.match(v.out, /^OK: 5 records/);
  }
});

test('a tpm2_quote is accepted by tpm2_checkquote and by ward log verify --quote; wrong nonce or tampered log is rejected', async (t) => {
  if (skip || !tpm) return t.skip(skip ?? 'swtpm did not start');
  const work = join(dir, 'quote');
  await mkdir(work);
  // PCR 23 (sha256) already holds the first test's events: the quote covers that log.
  const spec = `tpm:swtpm:${tpm.sock}:pcr=23:sha256`;
  const ml = await MeasurementLog.open({ path: join(dir, 'sha256.log'), register: await openRegister(spec) });
  const usedLog = ml.path;
  await ml.appendEvent('ward', 'quoted', { what: 'before the quote' });
  await ml.close();
  const akPem = await makeAk(tpm, work, AK_HANDLE);
  const qdir = join(work, 'q');
  await mkdir(qdir);
  await tpm2(
    tpm,
    'tpm2_quote',
    [
      '-c',
      AK_HANDLE,
      '-l',
      'sha256:8,23',
      '-q',
      NONCE,
      '-m',
      'message',
      '-s',
      'signature',
      '-o',
      'pcrs',
      '-g',
      'sha256',
    ],
    qdir,
  );
  await tpm2(
    tpm,
    'tpm2_checkquote',
    ['-u', akPem, '-m', 'message', '-s', 'signature', '-f', 'pcrs', '-g', 'sha256', '-q', NONCE],
    qdir,
  );

  const ok = await ward(['log', 'verify', usedLog, '--quote', qdir, '--ak-pub', akPem, '--nonce', NONCE]);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /matches the TPM quote/);

  const wrongNonce = await ward([
    'log',
    'verify',
    usedLog,
    '--quote',
    qdir,
    '--ak-pub',
    akPem,
    '--nonce',
    '00ff',
  ]);
  assert.equal(wrongNonce.code, 2);
  assert.match(wrongNonce.err, /^ward: quote nonce .* is not the expected 00ff\n$/);

  const bytes = await readFile(usedLog);
  bytes[bytes.length - 3]! ^= 0x20;
  await writeFile(join(work, 'tampered'), bytes);
  const tampered = await ward([
    'log',
    'verify',
    join(work, 'tampered'),
    '--quote',
    qdir,
    '--ak-pub',
    akPem,
    '--nonce',
    NONCE,
  ]);
  assert.equal(tampered.code, 2);
  assert.match(tampered.err, /^ward: record \d+: digest does not match its event data\n$/);

  const original = await readFile(usedLog);
  const lastOffset = parseLog(original).records.at(-1)!.offset;
  await writeFile(join(work, 'dropped'), original.subarray(0, lastOffset));
  const dropped = await ward([
    'log',
    'verify',
    join(work, 'dropped'),
    '--quote',
    qdir,
    '--ak-pub',
    akPem,
    '--nonce',
    NONCE,
  ]);
  assert.equal(dropped.code, 2);
  assert.match(dropped.err, /PCR 23: quoted value .* differs from the replayed/);

  const shorter = bytes.subarray(0, 0);
  await writeFile(join(work, 'empty'), shorter);
  const empty = await ward([
    'log',
    'verify',
    join(work, 'empty'),
    '--quote',
    qdir,
    '--ak-pub',
    akPem,
    '--nonce',
    NONCE,
  ]);
  assert.equal(empty.code, 2);
});

test("Ward's own TPM2_Quote (password session) is accepted by tpm2_checkquote and by verifyQuote", async (t) => {
  if (skip || !tpm) return t.skip(skip ?? 'swtpm did not start');
  const work = join(dir, 'quote');
  const akPem = join(work, 'ak-read.pem');
  const reg = (await openRegister(`tpm:swtpm:${tpm.sock}:pcr=23:sha256`)) as TpmRegister;
  const nonce = Buffer.from('c0ffee', 'hex');
  const q = await reg.quote(Number(AK_HANDLE), nonce, [{ hashAlg: SHA256.tpmId, pcrs: [23] }]);
  const pcr23 = await reg.read();
  await reg.close();
  const qdir = join(work, 'ward-q');
  await mkdir(qdir);
  await writeFile(join(qdir, 'message'), q.attest);
  await writeFile(join(qdir, 'signature'), q.signature);
  await writeFile(join(qdir, 'pcrs'), pcr23);
  await tpm2(
    tpm,
    'tpm2_checkquote',
    ['-u', akPem, '-m', 'message', '-s', 'signature', '-g', 'sha256', '-q', 'c0ffee'],
    qdir,
  );
  verifyQuote({
    message: q.attest,
    signature: q.signature,
    akPem: await readFile(akPem),
    nonce,
    replayed: new Map([[`${SHA256.tpmId}:23`, pcr23]]),
  });
  assert.throws(
    () =>
      verifyQuote({
        message: q.attest,
        signature: q.signature,
        akPem: readFileSync(akPem),
        nonce,
        replayed: new Map([[`${SHA256.tpmId}:23`, Buffer.alloc(32)]]),
      }),
    /PCR digest does not match/,
  );
});

test('an ECDSA AK quoting the sha384 bank (PCR 16) verifies; a wrong AK key does not', async (t) => {
  if (skip || !tpm) return t.skip(skip ?? 'swtpm did not start');
  const work = join(dir, 'ecc');
  await mkdir(work);
  const akPem = await makeAk(tpm, work, '0x81010003', true);
  await tpm2(
    tpm,
    'tpm2_quote',
    [
      '-c',
      '0x81010003',
      '-l',
      'sha384:16',
      '-q',
      NONCE,
      '-m',
      'message',
      '-s',
      'signature',
      '-o',
      'pcrs',
      '-g',
      'sha256',
    ],
    work,
  );
  await tpm2(
    tpm,
    'tpm2_checkquote',
    ['-u', akPem, '-m', 'message', '-s', 'signature', '-f', 'pcrs', '-g', 'sha256', '-q', NONCE],
    work,
  );
  const log = join(dir, 'sha384.log');
  const ok = await ward(['log', 'verify', log, '--quote', work, '--ak-pub', akPem, '--nonce', NONCE]);
  assert.equal(ok.code, 0, ok.err);
  const rsaAk = join(dir, 'quote', 'ak-read.pem');
  const wrong = await ward(['log', 'verify', log, '--quote', work, '--ak-pub', rsaAk, '--nonce', NONCE]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /^ward: quote signature does not verify with the AK public key\n$/);
});
