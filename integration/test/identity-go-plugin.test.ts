import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { IdentityStore, type RegistryServer, startRegistryServer } from '../../identity/index.js';
import { CgroupProcesses, cgroupSkipReason, exitedPid, repoRoot } from './identity-fixtures.js';

const run = promisify(execFile);
const ROOT = repoRoot();
const SRC = join(ROOT, 'integration', 'go-plugin-client', 'main.go');
const PLUGIN = join(ROOT, 'dist', 'bin', 'ward-spire-plugin');
const GOPATH_SYSTEM = '/usr/share/gocode';
// Debian packages the client needs (golang-github-hashicorp-go-plugin-dev, golang-google-grpc-dev
// and what they depend on), as GOPATH-mode import paths.
const GO_DEPS = [
  'github.com/hashicorp/go-plugin',
  'github.com/hashicorp/go-hclog',
  'github.com/hashicorp/yamux',
  'github.com/oklog/run',
  'github.com/mitchellh/go-testing-interface',
  'github.com/golang/protobuf/proto',
  'golang.org/x/net/context',
  'google.golang.org/grpc',
  'google.golang.org/genproto/googleapis/rpc/status',
  'google.golang.org/protobuf/encoding/protowire',
];

async function goSkipReason(): Promise<string> {
  try {
    await run('go', ['version']);
  } catch {
    return 'go is not installed (Debian golang-go)';
  }
  const missing = GO_DEPS.filter((d) => !existsSync(join(GOPATH_SYSTEM, 'src', d)));
  return missing.length > 0 ? `Go packages missing under ${GOPATH_SYSTEM}: ${missing.join(', ')}` : '';
}

/** Builds the client once per source hash and Go version; later runs reuse the binary. */
async function buildClient(): Promise<string> {
  const { stdout: goVersion } = await run('go', ['version']);
  const key = createHash('sha256').update(readFileSync(SRC)).update(goVersion).digest('hex').slice(0, 16);
  const cacheDir = join(ROOT, 'dist', '.cache');
  const bin = join(cacheDir, `go-plugin-client-${key}`);
  if (existsSync(bin)) return bin;
  const gopath = mkdtempSync(join(tmpdir(), 'ward-gopath-'));
  try {
    const pkg = join(gopath, 'src', 'wardgoplugin');
    mkdirSync(pkg, { recursive: true });
    copyFileSync(SRC, join(pkg, 'main.go'));
    mkdirSync(cacheDir, { recursive: true });
    const tmpBin = `${bin}.${process.pid}.tmp`;
    await run('go', ['build', '-o', tmpBin, '.'], {
      cwd: pkg,
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: `${gopath}:${GOPATH_SYSTEM}`,
        GOFLAGS: '',
        GOCACHE: process.env['GOCACHE'] ?? join(tmpdir(), 'ward-go-build-cache'),
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    renameSync(tmpBin, bin);
    return bin;
  } finally {
    rmSync(gopath, { recursive: true, force: true });
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'ward-goplug-'));
const socketPath = join(tmp, 'identity.sock');
const store = new IdentityStore(join(tmp, 'state'));
const cgroups = new CgroupProcesses();
let registry: RegistryServer;

before(async () => {
  registry = await startRegistryServer({ socketPath, store });
});

after(async () => {
  await cgroups.cleanup();
  await registry?.close();
  rmSync(tmp, { recursive: true, force: true });
});

type Line = Record<string, unknown>;

async function runClient(bin: string, hcl: string, pids: number[], checksum: string): Promise<Line[]> {
  const cfg = join(tmp, `plugin-${randomBytes(4).toString('hex')}.hcl`);
  writeFileSync(cfg, hcl);
  const args = [
    '-plugin',
    PLUGIN,
    '-config',
    cfg,
    '-checksum',
    checksum,
    ...pids.flatMap((p) => ['-pid', String(p)]),
  ];
  const { stdout } = await run(bin, args, { timeout: 60_000 });
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

test('the real hashicorp/go-plugin client loads ward-spire-plugin and attests pids', async (t) => {
  const why = (await goSkipReason()) || cgroupSkipReason();
  if (why) return t.skip(why);
  const bin = await buildClient();
  const checksum = createHash('sha256').update(readFileSync(PLUGIN)).digest('hex');
  const podUid = randomUUID();
  const cid = randomBytes(32).toString('hex');
  await store.record({
    containerId: cid,
    podUid,
    namespace: 'prod',
    podName: 'api-0',
    containerName: 'api',
    logSequence: 2,
  });
  const pid = cgroups.start(`/ward-identity-test-go/kubepods/pod${podUid}/${cid}`);
  const gone = await exitedPid();
  const lines = await runClient(
    bin,
    `registry_socket = "${socketPath}"\n`,
    [pid, process.pid, gone],
    checksum,
  );
  assert.deepEqual(lines[0], {
    init: [
      'spire.plugin.agent.workloadattestor.v1.WorkloadAttestor',
      'spire.service.common.config.v1.Config',
    ],
  });
  assert.deepEqual(lines[1], { configured: true });
  const sels = lines[2]!['selectors'] as string[];
  for (const s of [
    'ns:prod',
    'pod-name:api-0',
    `pod-uid:${podUid}`,
    'container-name:api',
    'log-seq:2',
    'measured:true',
  ]) {
    assert.ok(sels.includes(s), `missing ${s}`);
  }
  assert.deepEqual(lines[3], { pid: process.pid, selectors: [] });
  assert.equal(lines[4]!['code'], 'NotFound');

  const bad = await runClient(bin, 'registry_socket = [', [], checksum);
  assert.equal(bad[1]!['configured'], false);
  assert.equal(bad[1]!['code'], 'InvalidArgument');

  await assert.rejects(
    runClient(bin, `registry_socket = "${socketPath}"\n`, [], '00'.repeat(32)),
    /checksum/i,
  );
});
