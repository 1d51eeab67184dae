import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { agentRequestNames } from '../../agent-proxy/index.js';
import { BUSYBOX_IMAGE, WARD_RUNTIME } from '../containerd/index.js';
import { DIST_BIN } from '../containerd/ward.js';
import type { DemoContext, DemoStep } from './steps.js';

const run = promisify(execFile);
// A CRI-style container id (64 hex), as Kubernetes pods have: SPIRE's cgroup patterns, which
// ward-spire-plugin follows, find such ids in a process's cgroup path.
const POD = createHash('sha256').update('ward-demo-policy').digest('hex');

/**
 * The demo's policy: every request allowed except ExecProcess, which may only run `ls` —
 * anything else is refused with a message saying why. Rego v1, as an operator would write it.
 */
export function demoPolicy(): string {
  const lines = ['package agent_policy', '', 'import rego.v1', ''];
  for (const name of agentRequestNames())
    if (name !== 'ExecProcessRequest') lines.push(`default ${name} := true`);
  lines.push(
    '',
    'default ExecProcessRequest := false',
    '',
    'ExecProcessRequest if input.process.Args[0] == "ls"',
    '',
    'ExecProcessRequest := false if {',
    '  input.process.Args[0] != "ls"',
    '  print("only ls may be executed in this pod; refused:", input.process.Args)',
    '}',
    '',
  );
  return lines.join('\n');
}

interface PolicyPaths {
  readonly config: string;
  readonly measureDir: string;
  readonly identityDir: string;
}

async function writePolicyConfig(ctx: DemoContext): Promise<PolicyPaths> {
  const dir = ctx.ward.runDir;
  const policy = join(dir, 'demo-policy.rego');
  const measureDir = join(dir, 'measure');
  const identityDir = join(dir, 'identity');
  await writeFile(policy, demoPolicy());
  const config = join(dir, 'demo-policy.toml');
  await writeFile(
    config,
    [
      '[sandbox.local]',
      `policy = ${JSON.stringify(policy)}`,
      `measure_dir = ${JSON.stringify(measureDir)}`,
      '',
      '[identity]',
      `dir = ${JSON.stringify(identityDir)}`,
      '',
    ].join('\n'),
  );
  return { config, measureDir, identityDir };
}

async function ward(args: readonly string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(join(DIST_BIN, 'ward'), [...args], { encoding: 'utf8' });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

// The workload's own pid (ctr reports the shim worker's): the process whose cgroup names the pod.
async function workloadPid(id: string): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [cgroup, cmdline] = await Promise.all([
        readFile(`/proc/${entry}/cgroup`, 'utf8'),
        readFile(`/proc/${entry}/cmdline`, 'utf8'),
      ]);
      if (cgroup.includes(id) && cmdline.startsWith('sleep\0')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

let paths: PolicyPaths | undefined;

/** A pod under ward-agent-proxy: an allowed exec, a denied one. */
export const policyStep: DemoStep = {
  title: 'a pod under a policy: ward-agent-proxy in front of the agent',
  async run(ctx) {
    paths = await writePolicyConfig(ctx);
    ctx.say('policy: every request allowed, except that ExecProcess may only run `ls`');
    const start = ['run', '-d', '--runtime', WARD_RUNTIME, '--runtime-config-path', paths.config];
    await ctx.ward.cd.ctrOk([...start, BUSYBOX_IMAGE, POD, 'sleep', '600']);
    ctx.show(`ctr ${[...start, BUSYBOX_IMAGE, POD, 'sleep', '600'].join(' ')}`, '');
    const allowed = ['tasks', 'exec', '--exec-id', 'ok-1', POD, 'ls', '/'];
    const a = await ctx.ward.cd.ctr(allowed);
    ctx.show(`ctr ${allowed.join(' ')}`, a.stdout + a.stderr);
    if (a.code !== 0) throw new Error(`the allowed exec failed (exit ${a.code})`);
    const denied = ['tasks', 'exec', '--exec-id', 'no-1', POD, 'sh', '-c', 'cat /etc/passwd'];
    const d = await ctx.ward.cd.ctr(denied);
    ctx.show(`ctr ${denied.join(' ')}`, d.stdout + d.stderr);
    if (d.code === 0 || !/blocked by policy/.test(d.stdout + d.stderr)) {
      throw new Error('the forbidden exec was not refused by the policy');
    }
    ctx.summary.push(
      `policy: exec of ls allowed; exec of sh refused with "ExecProcessRequest is blocked by policy"`,
    );
  },
};

/** The pod's measurement log, shown and replayed against its register. */
export const logStep: DemoStep = {
  title: "the pod's measurement log, verified against its register",
  async run(ctx) {
    if (paths === undefined) throw new Error('the policy step did not run');
    const pods = await readdir(paths.measureDir);
    const pod = pods[0];
    if (pod === undefined) throw new Error(`no measurement log under ${paths.measureDir}`);
    const log = join(paths.measureDir, pod, 'measurement.log');
    const register = `software:${join(paths.measureDir, pod, 'register')}`;
    const show = await ward(['log', 'show', log]);
    ctx.show(`ward log show ${log}`, show.out);
    const verify = await ward(['log', 'verify', log, '--register', register]);
    ctx.show(`ward log verify ${log} --register ${register}`, verify.out);
    if (verify.code !== 0) throw new Error('the measurement log does not replay to its register');
    ctx.summary.push('measurement log replayed to the register: every request, allowed or denied, is in it');
  },
};

/** The container's SPIFFE selectors, as ward-spire-plugin would give them to a SPIRE agent. */
export const identityStep: DemoStep = {
  title: 'the selectors SPIRE would get for the workload',
  async run(ctx) {
    if (paths === undefined) throw new Error('the policy step did not run');
    const pid = await workloadPid(POD);
    if (pid === undefined) throw new Error(`cannot find the workload process of ${POD}`);
    const r = await ward(['identity', 'show', '--pid', String(pid), '--state-dir', paths.identityDir]);
    ctx.show(`ward identity show --pid ${pid} --state-dir ${paths.identityDir}`, r.out);
    if (r.code !== 0) throw new Error('no identity for the workload');
    await ctx.ward.cd.ctrOk(['tasks', 'kill', '-s', 'KILL', POD]);
    for (let i = 0; i < 100; i++) {
      if (!(await ctx.ward.cd.ctrOk(['tasks', 'ls'])).includes('RUNNING')) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    await ctx.ward.cd.ctrOk(['tasks', 'delete', POD]);
    await ctx.ward.cd.ctrOk(['containers', 'delete', POD]);
    const gone = await ward(['identity', 'show', POD, '--state-dir', paths.identityDir]);
    if (gone.code === 0) throw new Error('the identity outlived its container');
    ctx.say('identity forgotten after RemoveContainer');
    ctx.summary.push(`workload pid ${pid} attested to its container, policy and log position`);
  },
};
