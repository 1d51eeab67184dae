import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  IdentityStore,
  loadPluginRoot,
  RegistryClient,
  type RegistryServer,
  serviceDefinition,
  startRegistryServer,
} from '../../identity/index.js';
import { CgroupProcesses, cgroupSkipReason, exitedPid, repoRoot } from './identity-fixtures.js';

const PLUGIN = join(repoRoot(), 'dist', 'bin', 'ward-spire-plugin');
const tmp = mkdtempSync(join(tmpdir(), 'ward-idplug-'));
// World-traversable, so the socket's own 0600 mode is what keeps other users out.
chmodSync(tmp, 0o755);
const socketPath = join(tmp, 'identity.sock');
const store = new IdentityStore(join(tmp, 'state'));
const cgroups = new CgroupProcesses();
let registry: RegistryServer;
let plugin: ChildProcess;
let client: grpc.Client;
let handshake: string;

const root = loadPluginRoot();
type Json = Record<string, unknown>;
const defs = {
  health: serviceDefinition(root, 'grpc.health.v1.Health'),
  broker: serviceDefinition(root, 'plugin.GRPCBroker'),
  controller: serviceDefinition(root, 'plugin.GRPCController'),
  stdio: serviceDefinition(root, 'plugin.GRPCStdio'),
  init: serviceDefinition(root, 'spire.service.private.init.v1.Init'),
  config: serviceDefinition(root, 'spire.service.common.config.v1.Config'),
  attestor: serviceDefinition(root, 'spire.plugin.agent.workloadattestor.v1.WorkloadAttestor'),
};

function call(def: grpc.ServiceDefinition, method: string, req: Json): Promise<Json> {
  const m = def[method]!;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      m.path,
      m.requestSerialize as (v: Json) => Buffer,
      m.responseDeserialize as (b: Buffer) => Json,
      req,
      (err, res) => (err ? reject(err) : resolve(res!)),
    );
  });
}

const attest = (pid: number): Promise<Json> => call(defs.attestor, 'Attest', { pid });

function grpcCode(code: grpc.status, re?: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    const err = e as grpc.ServiceError;
    return err.code === code && (re === undefined || re.test(err.details));
  };
}

before(async () => {
  registry = await startRegistryServer({ socketPath, store });
  plugin = spawn(process.execPath, [PLUGIN], {
    env: { ...process.env, WorkloadAttestor: 'WorkloadAttestor', PLUGIN_PROTOCOL_VERSIONS: '1' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines = createInterface({ input: plugin.stdout! });
  handshake = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    plugin.once('exit', (code) => reject(new Error(`plugin exited ${code} before its handshake`)));
  });
  const m = /^1\|1\|unix\|(.+)\|grpc$/.exec(handshake);
  assert.ok(m, `handshake line: ${handshake}`);
  client = new grpc.Client(`unix://${m[1]}`, grpc.credentials.createInsecure());
});

after(async () => {
  client?.close();
  if (plugin && plugin.exitCode === null) plugin.kill('SIGKILL');
  await cgroups.cleanup();
  await registry?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('plays SPIRE: health, broker stream, Init, Configure, Validate', async () => {
  assert.deepEqual(await call(defs.health, 'Check', { service: 'plugin' }), { status: 1 });
  await assert.rejects(call(defs.health, 'Check', { service: 'nope' }), grpcCode(grpc.status.NOT_FOUND));

  // Newer go-plugin hosts open the stdio mirror first; the plugin keeps it open and empty.
  const sd = defs.stdio['StreamStdio']!;
  const stdio = client.makeServerStreamRequest(
    sd.path,
    sd.requestSerialize as (v: Json) => Buffer,
    sd.responseDeserialize as (x: Buffer) => Json,
    {},
  );
  const stdioChunks: Json[] = [];
  stdio.on('data', (d: Json) => stdioChunks.push(d));
  const stdioDone = new Promise<grpc.status>((resolve) =>
    stdio.on('error', (e: grpc.ServiceError) => resolve(e.code)),
  );
  await new Promise((r) => setTimeout(r, 100));
  stdio.cancel();
  assert.equal(await stdioDone, grpc.status.CANCELLED);
  assert.deepEqual(stdioChunks, []);

  // The host opens the broker stream and announces its host-services listener, as SPIRE does.
  const b = defs.broker['StartStream']!;
  const stream = client.makeBidiStreamRequest(
    b.path,
    b.requestSerialize as (v: Json) => Buffer,
    b.responseDeserialize as (x: Buffer) => Json,
  );
  stream.on('error', () => undefined);
  stream.write({ service_id: 1, network: 'unix', address: join(tmp, 'host.sock') });

  const init = await call(defs.init, 'Init', {
    host_service_names: ['spire.hostservice.common.metrics.v1.Metrics'],
  });
  assert.deepEqual(init['plugin_service_names'], [
    'spire.plugin.agent.workloadattestor.v1.WorkloadAttestor',
    'spire.service.common.config.v1.Config',
  ]);
  await assert.rejects(attest(process.pid), grpcCode(grpc.status.FAILED_PRECONDITION, /not configured/));

  const bad = 'registry_socket = "/x"\nregistry_socket = "/y"';
  const v = await call(defs.config, 'Validate', { hcl_configuration: bad });
  assert.equal(v['valid'], false);
  assert.match(String((v['notes'] as string[])[0]), /duplicate key/);
  for (const hcl of [bad, 'registry_socket = ', 'colour = "blue"', 'selectors { pod_labels = 1 }']) {
    await assert.rejects(
      call(defs.config, 'Configure', {
        core_configuration: { trust_domain: 'example.org' },
        hcl_configuration: hcl,
      }),
      grpcCode(grpc.status.INVALID_ARGUMENT),
      hcl,
    );
  }
  await assert.rejects(
    attest(process.pid),
    grpcCode(grpc.status.FAILED_PRECONDITION),
    'a failed Configure configures nothing',
  );
  const good = `registry_socket = "${socketPath}"\nselectors {\n  pod_labels = true\n}\n`;
  assert.deepEqual(await call(defs.config, 'Validate', { hcl_configuration: good }), {
    valid: true,
    notes: ['configuration valid'],
  });
  await call(defs.config, 'Configure', {
    core_configuration: { trust_domain: 'example.org' },
    hcl_configuration: good,
  });
  stream.end();
});

test('Attest: pid in a Ward container cgroup → its selectors; host pid → none; exited pid → NotFound', async (t) => {
  const why = cgroupSkipReason();
  if (why) return t.skip(why);
  const podUid = randomUUID();
  const cid = randomBytes(32).toString('hex');
  await store.record({
    containerId: cid,
    sandboxId: randomBytes(32).toString('hex'),
    podName: 'web-0',
    namespace: 'prod',
    podUid,
    containerName: 'app',
    imageName: 'ghcr.io/acme/app:1',
    imageDigest: `sha256:${'a'.repeat(64)}`,
    serviceAccount: 'web',
    policyDigest: 'sha256:policy',
    initdataDigest: 'sha256:initdata',
    logSequence: 5,
    registerValue: 'ff'.repeat(48),
    podLabels: { app: 'web' },
  });
  // kubelet's systemd driver writes the pod UID with underscores.
  const pid = cgroups.start(
    `/ward-identity-test/kubepods/besteffort/pod${podUid.replaceAll('-', '_')}/${cid}`,
  );
  const res = await attest(pid);
  const sels = res['selector_values'] as string[];
  for (const s of [
    'ns:prod',
    'sa:web',
    `pod-uid:${podUid}`,
    'pod-name:web-0',
    'container-name:app',
    'container-image:ghcr.io/acme/app:1',
    `container-image:ghcr.io/acme/app@sha256:${'a'.repeat(64)}`,
    'pod-image-count:1',
    'pod-init-image-count:0',
    'pod-label:app:web',
    'policy-digest:sha256:policy',
    'initdata-digest:sha256:initdata',
    'log-seq:5',
    'measured:true',
  ]) {
    assert.ok(sels.includes(s), `missing ${s} in ${sels.join(' ')}`);
  }
  assert.ok(!sels.some((s) => s.startsWith('sigstore-validation')), 'unsigned image must not pass');

  // The registry answers byPid too (same pid namespace here).
  assert.equal((await new RegistryClient(socketPath).byPid(pid))?.record.containerId, cid);

  assert.deepEqual((await attest(process.pid))['selector_values'], []);
  const unknown = cgroups.start(
    `/ward-identity-test/kubepods/besteffort/pod${randomUUID()}/${randomBytes(32).toString('hex')}`,
  );
  assert.deepEqual((await attest(unknown))['selector_values'], [], 'a container Ward did not create');
  await assert.rejects(attest(await exitedPid()), grpcCode(grpc.status.NOT_FOUND, /not found/));
  await assert.rejects(attest(-4), grpcCode(grpc.status.INVALID_ARGUMENT));
});

test('Attest: forged cgroups (pod UID of another pod, two containers) are errors, never selectors', async (t) => {
  const why = cgroupSkipReason();
  if (why) return t.skip(why);
  const podUid = randomUUID();
  const cid = randomBytes(32).toString('hex');
  await store.record({ containerId: cid, podUid, namespace: 'prod', podName: 'db-0', containerName: 'db' });
  const forged = cgroups.start(`/ward-identity-test/kubepods/pod${randomUUID()}/${cid}`);
  await assert.rejects(
    attest(forged),
    grpcCode(grpc.status.FAILED_PRECONDITION, /does not match its registered pod/),
  );

  // Same pids cgroup as the real container, but another container's id in the memory hierarchy.
  const pid = cgroups.start(`/ward-identity-test/kubepods/pod${podUid}/${cid}`);
  const memDir = `/sys/fs/cgroup/memory/ward-identity-test/kubepods/pod${podUid}/${randomBytes(32).toString('hex')}`;
  mkdirSync(memDir, { recursive: true });
  try {
    writeFileSync(join(memDir, 'cgroup.procs'), String(pid));
    await assert.rejects(attest(pid), grpcCode(grpc.status.FAILED_PRECONDITION, /multiple container ids/));
    writeFileSync('/sys/fs/cgroup/memory/cgroup.procs', String(pid));
    assert.ok(((await attest(pid))['selector_values'] as string[]).includes('pod-name:db-0'));
  } finally {
    writeFileSync('/sys/fs/cgroup/memory/cgroup.procs', String(pid));
    for (let d = memDir; d.startsWith('/sys/fs/cgroup/memory/ward-identity-test'); d = join(d, '..')) {
      try {
        rmdirSync(d);
      } catch {
        break;
      }
    }
  }
});

test('registry socket: a non-root peer is refused by file mode and by SO_PEERCRED; root is served', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run a child as uid 65534');
  const probe = `const s=require('net').createConnection(${JSON.stringify(socketPath)});
s.on('connect',()=>s.write('{"op":"list"}\\n'));
s.on('data',d=>{process.stdout.write('DATA '+d);process.exit(0)});
s.on('error',e=>{process.stdout.write('ERR '+e.code);process.exit(0)});`;
  const asNobody = (): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', probe], {
        uid: 65534,
        gid: 65534,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let s = '';
      child.stdout!.on('data', (d: Buffer) => {
        s += d.toString();
      });
      child.once('error', reject);
      child.once('exit', () => resolve(s));
    });
  assert.equal(await asNobody(), 'ERR EACCES');
  // With the file mode opened up, the kernel's peer credentials still keep uid 65534 out.
  chmodSync(socketPath, 0o666);
  try {
    const out = await asNobody();
    assert.match(out, /^DATA /);
    const resp = JSON.parse(out.slice(5)) as { ok: boolean; code: string; message: string };
    assert.equal(resp.ok, false);
    assert.equal(resp.code, 'ERR_IDENTITY_PEER_DENIED');
    assert.match(resp.message, /peer uid 65534 is not root/);
  } finally {
    chmodSync(socketPath, 0o600);
  }
  assert.deepEqual(await new RegistryClient(socketPath).call({ op: 'ping' }), { peerCheck: 'root' });
});

test('handshake and lifecycle: no cookie → refusal; GRPCController.Shutdown → clean exit', async () => {
  const noCookie = spawn(process.execPath, [PLUGIN], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  noCookie.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  noCookie.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise((resolve) => noCookie.once('exit', resolve));
  assert.equal(code, 1);
  assert.equal(out, '', 'no handshake without the cookie');
  assert.match(err, /SPIRE agent plugin/);

  const exited = new Promise((resolve) => plugin.once('exit', resolve));
  await call(defs.controller, 'Shutdown', {});
  assert.equal(await exited, 0);
});
