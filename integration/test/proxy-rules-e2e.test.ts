import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { allowAllPolicy } from '../../agent-proxy/index.js';
import { parseLog } from '../../measure/index.js';
import { fromJs, KataPolicy } from '../../policy/index.js';
import {
  BUSYBOX_IMAGE,
  buildBusyboxImage,
  busyboxSpec,
  DIST_BIN,
  KATA_RULES_DIR,
  loadSettings,
  type PolicyContainer,
  policyData,
  policyWithData,
  startWardContainerd,
  WARD_RUNTIME,
  type WardContainerd,
} from '../index.js';

// Issue 7's acceptance: Kata's stateful rules.rego with a generated policy_data, enforced by
// ward-agent-proxy in front of ward-runc-agent, driven by real containerd through Ward's shim.
// Phase 1 runs the pod under an allow-all policy to learn the CreateContainer requests its specs
// produce; the generator turns them into policy_data (as genpolicy does from the pod YAML); phase
// 2 runs a pod of the same specs (other ids) under rules.rego + that policy_data.
const isRoot = process.getuid?.() === 0;
const RULES = join(KATA_RULES_DIR, 'rules.rego');
const SETTINGS = join(KATA_RULES_DIR, 'genpolicy-settings.json');
const RT = ['--runtime', WARD_RUNTIME];
const ALLOWED = ['echo', 'allowed'];
const FORBIDDEN = ['echo', 'forbidden'];

type Json = Record<string, unknown>;
interface Event {
  readonly seq: number;
  readonly rpc?: string;
  readonly decision?: string;
  readonly request?: Json;
}

let w: WardContainerd | undefined;
let work = '';

before(async () => {
  if (!isRoot || !existsSync(RULES)) return;
  work = await mkdtemp(join(tmpdir(), 'ward-rules-e2e-'));
  const image = await buildBusyboxImage(busyboxSpec(), work);
  w = await startWardContainerd();
  await w.cd.importImage(image.tarball);
});

after(async () => {
  await w?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** CRI-style annotations of a pod named e2e: its sandbox (first) container, or an app container. */
function annotations(sandboxId: string, kind: 'sandbox' | 'app'): string[] {
  const a: Record<string, string> = {
    'io.kubernetes.cri.sandbox-id': sandboxId,
    'io.kubernetes.cri.sandbox-name': 'e2e',
    'io.kubernetes.cri.sandbox-namespace': 'default',
    'io.kubernetes.cri.container-type': kind === 'sandbox' ? 'sandbox' : 'container',
    'io.katacontainers.pkg.oci.container_type': kind === 'sandbox' ? 'pod_sandbox' : 'pod_container',
  };
  if (kind === 'sandbox') {
    a['nerdctl/network-namespace'] = '/var/run/netns/e2e';
    a['io.kubernetes.cri.sandbox-log-directory'] = '/var/log/pods/default_e2e_1';
  } else a['io.kubernetes.cri.container-name'] = 'app';
  return Object.entries(a).flatMap(([k, v]) => ['--annotation', `${k}=${v}`]);
}

async function writeConfig(name: string, policy: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'policy.rego'), policy);
  const cfg = join(dir, 'ward.toml');
  await writeFile(
    cfg,
    `[identity]\ndir = "${dir}/identity"\n[sandbox.local]\npolicy = "${dir}/policy.rego"\nmeasure_dir = "${dir}/measure"\n`,
  );
  return cfg;
}

/** The one pod directory under a measure_dir (the shim names it; see the report on its name). */
async function podMeasureDir(cfg: string): Promise<string> {
  const measure = join(cfg, '..', 'measure');
  const pods = await readdir(measure);
  assert.equal(pods.length, 1, `one pod log under ${measure}`);
  return join(measure, pods[0] ?? '');
}

async function events(podDir: string): Promise<Event[]> {
  const log = parseLog(await readFile(join(podDir, 'measurement.log')));
  return log.records.map((r) => {
    const text = r.eventData.toString('utf8');
    return JSON.parse(text.slice(text.indexOf('{'))) as Event;
  });
}

async function until(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

async function stopTask(x: WardContainerd, id: string): Promise<void> {
  await x.cd.ctr(['tasks', 'kill', '-s', 'KILL', id]);
  await until(async () => (await x.cd.ctr(['tasks', 'delete', id])).code === 0 || !(await hasTask(x, id)));
  await x.cd.ctr(['containers', 'delete', id]);
}

async function hasTask(x: WardContainerd, id: string): Promise<boolean> {
  const ls = await x.cd.ctr(['tasks', 'ls']);
  return ls.stdout.split('\n').some((l) => l.startsWith(`${id} `));
}

function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, stripNulls(x)]),
  );
}

/** `ward agent call` straight to the pod's proxy, bypassing the shim. */
function agentCall(sock: string, method: string, req: Json): { code: number; out: string } {
  const r = spawnSync(
    join(DIST_BIN, 'ward'),
    ['agent', 'call', '--addr', `unix://${sock}`, method, JSON.stringify(req)],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

async function proxySocket(x: WardContainerd): Promise<string> {
  for (const key of await readdir(join(x.runDir, 'pods'))) {
    const sock = join(x.runDir, 'pods', key, 's', 'proxy.sock');
    if (existsSync(sock)) return sock;
  }
  throw new Error('no pod proxy socket');
}

test('rules.rego + generated policy_data through containerd: exec only in containers created under the policy', async (t) => {
  const x = w;
  if (!x) {
    t.skip(isRoot ? `needs ${RULES}` : 'needs root to run containerd, runc and mounts');
    return;
  }
  // Phase 1: the requests the pod's specs produce, learned under an explicit allow-all policy.
  const learnCfg = await writeConfig('learn', allowAllPolicy());
  const learn = ['--runtime-config-path', learnCfg];
  await x.cd.ctrOk([
    'run',
    '-d',
    ...RT,
    ...learn,
    ...annotations('lsb', 'sandbox'),
    BUSYBOX_IMAGE,
    'lsb',
    'sleep',
    '600',
  ]);
  await x.cd.ctrOk(['run', '-d', ...RT, ...annotations('lsb', 'app'), BUSYBOX_IMAGE, 'lapp', 'sleep', '601']);
  await x.cd.ctrOk(['tasks', 'exec', '--exec-id', 'l1', 'lapp', ...ALLOWED]);
  await stopTask(x, 'lapp');
  await stopTask(x, 'lsb');
  const learned = await events(await podMeasureDir(learnCfg));
  const creates = learned.filter((e) => e.rpc === 'CreateContainerRequest' && e.request);
  const sandbox = learned.find((e) => e.rpc === 'CreateSandboxRequest');
  assert.equal(creates.length, 2);
  // Spec.Version carries the bundle's ociVersion, as the Kata runtime sends it (genpolicy compares it).
  for (const e of creates) {
    const oci = e.request?.['OCI'] as Json | undefined;
    assert.match(String(oci?.['Version']), /^1\.\d+\.\d+/);
  }
  assert.ok(sandbox?.request);
  const containers: PolicyContainer[] = creates.map((e) => ({
    request: e.request ?? {},
    execCommands: e.request?.['container_id'] === 'lapp' ? [ALLOWED] : [],
  }));
  const data = policyData(containers, {
    settings: await loadSettings(SETTINGS),
    sandboxStorages: (sandbox.request['storages'] as unknown[]) ?? [],
    // genpolicy's default denies reading container output; this pod's policy allows it.
    requestDefaults: { ReadStreamRequest: true },
  });
  const rulesCfg = await writeConfig('rules', policyWithData(await readFile(RULES, 'utf8'), data));
  const rules = ['--runtime-config-path', rulesCfg];

  // Phase 2: same specs, new ids, under the Kata rules.
  const sb = await x.cd.ctr([
    'run',
    '-d',
    ...RT,
    ...rules,
    ...annotations('esb', 'sandbox'),
    BUSYBOX_IMAGE,
    'esb',
    'sleep',
    '600',
  ]);
  assert.equal(sb.code, 0, `sandbox container created under the policy: ${sb.stderr}`);
  const app = await x.cd.ctr([
    'run',
    '-d',
    ...RT,
    ...annotations('esb', 'app'),
    BUSYBOX_IMAGE,
    'eapp',
    'sleep',
    '601',
  ]);
  assert.equal(app.code, 0, `app container created under the policy: ${app.stderr}`);
  // A container whose command the policy does not list is never created.
  const bad = await x.cd.ctr([
    'run',
    '-d',
    ...RT,
    ...annotations('esb', 'app'),
    BUSYBOX_IMAGE,
    'ebad',
    'sleep',
    '602',
  ]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /CreateContainerRequest is blocked by policy/);
  await x.cd.ctr(['containers', 'delete', 'ebad']);

  const podDir = await podMeasureDir(rulesCfg);
  const denied = await x.cd.ctr(['tasks', 'exec', '--exec-id', 'e2', 'eapp', ...FORBIDDEN]);
  assert.notEqual(denied.code, 0, `a command not in the policy is refused: ${JSON.stringify(denied)}`);
  assert.match(denied.stderr, /ExecProcessRequest is blocked by policy/);
  const ok = await x.cd.ctr(['tasks', 'exec', '--exec-id', 'e1', 'eapp', ...ALLOWED]);
  const execs = (await events(podDir)).filter((e) => e.rpc === 'ExecProcessRequest');
  const refusedExec = execs.find((e) => e.request?.['exec_id'] === 'e2');
  assert.equal(refusedExec?.decision, 'deny', 'the unlisted command was refused by the policy');
  const allowedExec = execs.find((e) => e.request?.['exec_id'] === 'e1');
  assert.ok(allowedExec?.request);
  // rules.rego's allow_exec_caps refuses an ExecProcess naming capabilities; the Kata runtime
  // (and Ward's shim, shim/translate/exec.ts) sends none.
  assert.equal((allowedExec.request['process'] as Json | null)?.['Capabilities'], null);
  assert.equal(allowedExec.decision, 'allow', `the listed command is allowed: ${ok.stderr}`);
  assert.equal(ok.code, 0, `the listed command runs: ${ok.stderr}`);
  assert.equal(ok.stdout, 'allowed\n');

  // RemoveContainer drops the container from the policy state: the same exec is now refused.
  await stopTask(x, 'eapp');
  const sock = await proxySocket(x);
  const again = stripNulls({ ...allowedExec.request, exec_id: 'after-remove' }) as Json;
  const afterRemove = agentCall(sock, 'ExecProcess', again);
  assert.notEqual(afterRemove.code, 0);
  assert.match(afterRemove.out, /PERMISSION_DENIED|permission denied/i);
  assert.match(afterRemove.out, /ExecProcessRequest is blocked by policy/);
  const ghost = agentCall(sock, 'ExecProcess', { ...again, container_id: 'ghost', exec_id: 'g1' });
  assert.notEqual(ghost.code, 0);
  assert.match(ghost.out, /ExecProcessRequest is blocked by policy/);
  await stopTask(x, 'esb');

  const verify = spawnSync(
    join(DIST_BIN, 'ward'),
    ['log', 'verify', join(podDir, 'measurement.log'), '--register', `software:${join(podDir, 'register')}`],
    { encoding: 'utf8' },
  );
  assert.equal(verify.status, 0, `${verify.stdout}${verify.stderr}`);
  const all = await events(podDir);
  const denials = all
    .filter((e) => e.decision === 'deny')
    .map((e) => `${e.rpc}:${e.request?.['container_id']}`);
  for (const d of ['CreateContainerRequest:ebad', 'ExecProcessRequest:eapp', 'ExecProcessRequest:ghost'])
    assert.ok(denials.includes(d), `${d} logged as denied (${denials.join(', ')})`);
  assert.equal(
    all.filter((e) => e.rpc === 'RemoveContainerRequest' && e.decision === 'allow').length >= 1,
    true,
  );
});

/** A CreateContainerRequest policy input in the shape Ward's shim sends (see the log above). */
function createRequest(id: string, sandboxName: string, args: string[]): Json {
  return {
    OCI: {
      Annotations: {
        'io.kubernetes.cri.sandbox-id': id,
        'io.kubernetes.cri.sandbox-name': sandboxName,
        'io.kubernetes.cri.sandbox-namespace': 'default',
        'io.kubernetes.cri.container-type': 'container',
        'io.katacontainers.pkg.oci.container_type': 'pod_container',
        'io.kubernetes.cri.container-name': 'app',
      },
      Hooks: null,
      Hostname: '',
      Linux: {
        CgroupsPath: `/ns/${id}`,
        Devices: [],
        GIDMappings: [],
        IntelRdt: null,
        MaskedPaths: ['/proc/kcore'],
        MountLabel: '',
        Namespaces: [{ Path: '', Type: 'mount' }],
        ReadonlyPaths: ['/proc/sys'],
        Resources: {
          BlockIO: null,
          CPU: null,
          Devices: [],
          HugepageLimits: [],
          Memory: null,
          Network: null,
          Pids: null,
        },
        RootfsPropagation: '',
        Seccomp: null,
        Sysctl: {},
        UIDMappings: [],
      },
      Mounts: [{ destination: '/proc', options: ['nosuid'], source: 'proc', type_: 'proc' }],
      Process: {
        ApparmorProfile: '',
        Args: args,
        Capabilities: {
          Ambient: [],
          Bounding: ['CAP_KILL'],
          Effective: ['CAP_KILL'],
          Inheritable: [],
          Permitted: ['CAP_KILL'],
        },
        ConsoleSize: null,
        Cwd: '/',
        Env: ['PATH=/bin'],
        NoNewPrivileges: true,
        OOMScoreAdj: 0,
        Rlimits: [],
        SelinuxLabel: '',
        Terminal: false,
        User: { AdditionalGids: [0], GID: 0, UID: 0, Username: '' },
      },
      Root: { Path: `/run/kata-containers/shared/containers/${id}/rootfs`, Readonly: false },
      Solaris: null,
      Version: '1.0.2-dev',
      Windows: null,
    },
    container_id: id,
    devices: [],
    exec_id: id,
    sandbox_pidns: false,
    shared_mounts: [],
    stderr_port: 0,
    stdin_port: 0,
    stdout_port: 0,
    storages: [],
    string_user: null,
  };
}

test('generated policy_data: literals are escaped for the rules that match them as regexes', async (t) => {
  if (!existsSync(RULES)) {
    t.skip(`needs ${RULES}`);
    return;
  }
  const learned = createRequest('learned', 'my.pod', ['echo', '$HOME']);
  const data = policyData([{ request: learned, execCommands: [['true']] }], {
    settings: await loadSettings(SETTINGS),
  });
  const decide = (req: Json): boolean => {
    const kp = new KataPolicy(policyWithData(readFileSync(RULES, 'utf8'), data), { file: 'rules.rego' });
    return kp.decide('CreateContainerRequest', fromJs(req)).allowed;
  };
  // Another id, same spec: allowed (sandbox id and root path are patterns, `$` is literal).
  assert.equal(decide(createRequest('other1', 'my.pod', ['echo', '$HOME'])), true);
  // `.` in the sandbox name is a literal dot, not any character.
  assert.equal(decide(createRequest('other2', 'myxpod', ['echo', '$HOME'])), false);
  assert.equal(decide(createRequest('other3', 'my.pod', ['echo', 'HOME'])), false);
  assert.equal(decide(createRequest('Bad_Id', 'my.pod', ['echo', '$HOME'])), false);
});
