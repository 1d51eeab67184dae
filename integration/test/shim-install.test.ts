import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'smol-toml';
import { parseConfig } from '../../shim/index.js';
import { CONTAINERD_BIN, DIST_BIN } from '../index.js';

// `ward install` (what `make install` runs) staged into a temp DESTDIR: every file is where
// containerd and Kubernetes look, parses, and containerd itself accepts the drop-in.
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function ward(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(DIST_BIN, 'ward'), ...args], { encoding: 'utf8', env });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('ward install stages the shim, drop-ins, RuntimeClass and default config under DESTDIR', async () => {
  const dest = await mkdtemp(join(tmpdir(), 'ward-install-'));
  dirs.push(dest);
  const r = ward(['install', '--prefix', '/usr/local', '--containerd', '1'], {
    ...process.env,
    DESTDIR: dest,
  });
  assert.equal(r.code, 0, r.err);
  const shim = join(dest, 'usr/local/bin/containerd-shim-ward-v2');
  assert.ok(((await stat(shim)).mode & 0o111) !== 0, 'launcher is executable');
  const v = spawnSync(shim, ['-v'], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /io\.containerd\.ward\.v2/);
  const dropIn = parse(await readFile(join(dest, 'etc/containerd/conf.d/ward.toml'), 'utf8')) as Record<
    string,
    unknown
  >;
  assert.equal(dropIn['version'], 2);
  const rt = (
    ((dropIn['plugins'] as Record<string, unknown>)['io.containerd.grpc.v1.cri'] as Record<string, unknown>)[
      'containerd'
    ] as {
      runtimes: Record<string, { runtime_type: string; options: { ConfigPath: string } }>;
    }
  ).runtimes['ward'];
  assert.equal(rt?.runtime_type, 'io.containerd.ward.v2');
  assert.equal(rt?.options.ConfigPath, '/etc/ward/config.toml');
  const v3 = parse(
    await readFile(join(dest, 'usr/local/share/ward/containerd-ward-v3.toml'), 'utf8'),
  ) as Record<string, unknown>;
  assert.equal(v3['version'], 3);
  assert.ok((v3['plugins'] as Record<string, unknown>)['io.containerd.cri.v1.runtime']);
  assert.match(
    await readFile(join(dest, 'usr/local/share/ward/runtimeclass.yaml'), 'utf8'),
    /^kind: RuntimeClass$[\s\S]*^handler: ward$/m,
  );
  const cfgPath = join(dest, 'etc/ward/config.toml');
  const cfg = parseConfig(await readFile(cfgPath, 'utf8'), cfgPath);
  assert.equal(cfg.sandbox.driver, 'local');
  // containerd 1.6 itself accepts the drop-in through `imports`.
  const main = join(dest, 'main.toml');
  await writeFile(
    main,
    `version = 2\nimports = [${JSON.stringify(join(dest, 'etc/containerd/conf.d/ward.toml'))}]\n`,
  );
  const dump = spawnSync(CONTAINERD_BIN, ['--config', main, 'config', 'dump'], { encoding: 'utf8' });
  assert.equal(dump.status, 0, dump.stderr);
  assert.match(dump.stdout, /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.ward\]/);
  assert.match(dump.stdout, /runtime_type = "io\.containerd\.ward\.v2"/);
});

test('ward install keeps an existing config and refuses a bad one; a relative prefix is refused', async () => {
  const dest = await mkdtemp(join(tmpdir(), 'ward-install-'));
  dirs.push(dest);
  assert.equal(ward(['install', '--destdir', dest, '--containerd', '2']).code, 0);
  const cfgPath = join(dest, 'etc/ward/config.toml');
  await writeFile(cfgPath, 'log_level = "debug"\n');
  assert.equal(ward(['install', '--destdir', dest, '--containerd', '2']).code, 0);
  assert.equal(await readFile(cfgPath, 'utf8'), 'log_level = "debug"\n');
  const dropIn = await readFile(join(dest, 'etc/containerd/conf.d/ward.toml'), 'utf8');
  assert.match(dropIn, /^version = 3$/m);
  await writeFile(cfgPath, 'bogus = 1\n');
  const bad = ward(['install', '--destdir', dest]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^ward: config .*: bogus: unknown key\n$/);
  const rel = ward(['install', '--destdir', dest, '--prefix', 'usr']);
  assert.equal(rel.code, 2);
  assert.match(rel.err, /must be an absolute path/);
});
