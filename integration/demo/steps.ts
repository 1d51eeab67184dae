import { BUSYBOX_IMAGE, WARD_RUNTIME } from '../containerd/index.js';
import type { WardContainerd } from '../containerd/ward.js';
import { identityStep, logStep, policyStep } from './policy-steps.js';

/** What every demo step gets: the running containerd with Ward, and a place to report. */
export interface DemoContext {
  readonly ward: WardContainerd;
  /** Prints one line of the demo's narrative. */
  say(line: string): void;
  /** Shows a command and its output the way a user would see it in a terminal. */
  show(cmd: string, output: string): void;
  /** Facts for the final summary. */
  readonly summary: string[];
}

/**
 * One step of `make demo`. Later issues add theirs (a policy denial through ward-agent-proxy,
 * the measurement log verified against the register, identity selectors) by appending to
 * {@link DEMO_STEPS}; a step throws to fail the demo.
 */
export interface DemoStep {
  readonly title: string;
  run(ctx: DemoContext): Promise<void>;
}

function ctrLine(args: readonly string[]): string {
  return `ctr -n ward-test ${args.join(' ')}`;
}

/** `ctr run --rm` through Ward: the container's output, and its exit code. */
export const runStep: DemoStep = {
  title: 'run a container through Ward',
  async run(ctx) {
    const args = [
      'run',
      '--rm',
      '--runtime',
      WARD_RUNTIME,
      BUSYBOX_IMAGE,
      'demo-hello',
      'sh',
      '-c',
      'echo "hello from a Ward pod: $(uname -s) $(hostname)"',
    ];
    const t0 = Date.now();
    const r = await ctx.ward.cd.ctr(args);
    ctx.show(ctrLine(args), r.stdout + r.stderr);
    if (r.code !== 0) throw new Error(`ctr run exited ${r.code}`);
    ctx.summary.push(`ctr run --rm through ${WARD_RUNTIME}: exit ${r.code} in ${Date.now() - t0} ms`);
  },
};

/** A long-running container, an exec into it, then kill and delete. */
export const execStep: DemoStep = {
  title: 'exec into a running container',
  async run(ctx) {
    const id = 'demo-exec';
    const run = ['run', '-d', '--runtime', WARD_RUNTIME, BUSYBOX_IMAGE, id, 'sleep', '600'];
    await ctx.ward.cd.ctrOk(run);
    ctx.show(ctrLine(run), '');
    const ls = await ctx.ward.cd.ctrOk(['tasks', 'ls']);
    ctx.show(ctrLine(['tasks', 'ls']), ls);
    const exec = [
      'tasks',
      'exec',
      '--exec-id',
      'demo-1',
      id,
      'sh',
      '-c',
      'echo "exec in $(hostname): pid $$"; ls /',
    ];
    const r = await ctx.ward.cd.ctr(exec);
    ctx.show(ctrLine(exec), r.stdout + r.stderr);
    if (r.code !== 0) throw new Error(`ctr task exec exited ${r.code}`);
    const workers = await ctx.ward.workers();
    ctx.summary.push(
      `pod ${id} served by Ward worker pid ${workers.get(id) ?? '?'} (agent: ward-runc-agent in-process)`,
    );
    await ctx.ward.cd.ctrOk(['tasks', 'kill', '-s', 'KILL', id]);
    for (let i = 0; i < 100; i++) {
      const st = await ctx.ward.cd.ctrOk(['tasks', 'ls']);
      if (!st.includes('RUNNING')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await ctx.ward.cd.ctrOk(['tasks', 'delete', id]);
    await ctx.ward.cd.ctrOk(['containers', 'delete', id]);
    ctx.say(`killed and deleted ${id}; its worker went back to the warm pool`);
    ctx.summary.push(`exec into ${id}: exit ${r.code}; task killed (SIGKILL) and deleted`);
  },
};

/** The demo's steps, in order. Append new steps here. */
export const DEMO_STEPS: DemoStep[] = [runStep, execStep, policyStep, logStep, identityStep];
