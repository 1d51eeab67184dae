import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const WARD = fileURLToPath(new URL('../../bin/ward', import.meta.url));

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ward-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function ward(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [WARD, ...args], { encoding: 'utf8' });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

/** A failure is exit 2 with exactly one `ward: …` line on stderr and no stack trace. */
async function fails(args: readonly string[], pattern: RegExp): Promise<void> {
  const r = await ward(args);
  assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, stderr ${r.err}`);
  assert.match(r.err, /^ward: [^\n]+\n$/, `${args.join(' ')}: ${r.err}`);
  assert.doesNotMatch(r.err, /\n\s+at /);
  assert.match(r.err, pattern);
}

test('append, show, verify, export through the ward binary', async () => {
  const log = join(dir, 'l.bin');
  const reg = `software:${join(dir, 'reg')}`;
  for (const [op, c] of [
    ['CreateContainer', '{"decision":"allow","rpc":"CreateContainerRequest"}'],
    ['ExecProcess', '{"decision":"deny","rpc":"ExecProcessRequest"}'],
  ] as const) {
    const r = await ward([
      'log',
      'append',
      '--log',
      log,
      '--register',
      reg,
      '--domain',
      'ward',
      '--operation',
      op,
      '--content',
      c,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /no hardware root of trust/);
  }
  const show = await ward(['log', 'show', log]);
  assert.match(
    show.out,
    /^SEQ\s+REGISTER\s+OPERATION\s+DECISION\s+DIGEST\n0\s+MR4\/sha384\s+ward CreateContainer\s+allow/,
  );
  assert.match(show.out, /\n1\s+MR4\/sha384\s+ward ExecProcess\s+deny/);
  const json = JSON.parse((await ward(['log', 'show', log, '--json'])).out) as { content: { seq: number } }[];
  assert.equal(json[1]?.content.seq, 1);
  const v = await ward(['log', 'verify', log, '--register', reg]);
  assert.equal(v.code, 0, v.err);
  assert.match(v.out, /NO hardware root of trust/);
  const cel = JSON.parse((await ward(['log', 'export', log, '--cel-json'])).out) as {
    recnum: number;
    digests: { hashAlg: string; digest: string }[];
    content: { event_type: number; event_data: string };
  }[];
  assert.equal(cel.length, 2);
  const { createHash } = await import('node:crypto');
  for (const r of cel) {
    assert.equal(r.content.event_type, 6);
    assert.equal(
      createHash('sha384').update(Buffer.from(r.content.event_data, 'base64')).digest('hex'),
      r.digests[0]?.digest,
    );
  }
  const tlv = await exec(process.execPath, [WARD, 'log', 'export', log, '--cel-tlv'], { encoding: 'buffer' });
  assert.equal(tlv.stdout[0], 0); // recnum TLV first
  assert.equal(tlv.stdout.readUInt32BE(1), 8);
});

test('bad input: one line on stderr, exit 2, never a stack trace', async () => {
  const good = join(dir, 'l.bin');
  const bytes = await readFile(good);
  await writeFile(join(dir, 'garbage'), Buffer.from('this is not a measurement log at all'));
  await writeFile(join(dir, 'truncated'), bytes.subarray(0, bytes.length - 5));
  await writeFile(join(dir, 'bad.toml'), 'version = "0.1.0"\nalgorithm = \n');
  await writeFile(join(dir, 'bad.ann'), 'H4sIAAAAnotgzip==');
  await fails(['log', 'show', join(dir, 'garbage')], /not readable/);
  await fails(['log', 'verify', join(dir, 'garbage'), '--expect', '00'.repeat(48)], /record 0/);
  await fails(['log', 'verify', join(dir, 'truncated'), '--expect', '00'.repeat(48)], /record 1 .*truncated/);
  await fails(
    ['log', 'verify', good, '--register', `software:${join(dir, 'reg256')}:sha256`],
    /does not exist/,
  );
  const reg256 = `software:${join(dir, 'reg256')}:sha256`;
  assert.equal(
    (
      await ward([
        'log',
        'append',
        '--log',
        join(dir, 'l256'),
        '--register',
        reg256,
        '--domain',
        'd',
        '--operation',
        'o',
        '--content',
        '{}',
      ])
    ).code,
    0,
  );
  await fails(['log', 'verify', good, '--register', reg256], /another algorithm/);
  await fails(['log', 'verify', good, '--expect', 'zz'], /not valid hex/);
  await fails(['log', 'verify', good], /exactly one of/);
  await fails(['log', 'verify', join(dir, 'missing'), '--expect', '00'], /cannot read log/);
  await fails(
    [
      'log',
      'append',
      '--log',
      good,
      '--register',
      'bogus:x',
      '--domain',
      'd',
      '--operation',
      'o',
      '--content',
      '{}',
    ],
    /unknown register kind/,
  );
  await fails(
    [
      'log',
      'append',
      '--log',
      good,
      '--register',
      `software:${join(dir, 'reg')}`,
      '--domain',
      'd',
      '--operation',
      'o',
      '--content',
      '{',
    ],
    /not JSON/,
  );
  await fails(
    [
      'log',
      'append',
      '--log',
      good,
      '--register',
      `software:${join(dir, 'reg')}`,
      '--domain',
      'a b',
      '--operation',
      'o',
      '--content',
      '{}',
    ],
    /whitespace/,
  );
  await fails(['initdata', 'digest', join(dir, 'bad.toml')], /not valid TOML/);
  await fails(['initdata', 'decode', join(dir, 'bad.ann')], /gzip/);
  await fails(['initdata', 'digest', join(dir, 'nope.toml')], /cannot read/);
});
