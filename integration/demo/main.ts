import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxImage, busyboxSpec } from '../containerd/index.js';
import { startWardContainerd, type WardContainerd } from '../containerd/ward.js';
import { DEMO_STEPS, type DemoContext } from './steps.js';

// `make demo`: a private containerd (own socket, root and state under a temp dir), Ward
// registered through PATH, a busybox image built from Debian's busybox-static, the demo steps,
// a summary, and everything cleaned up, also on failure.

const out = (s: string): void => void process.stdout.write(`${s}\n`);

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    out('make demo needs root (containerd, runc, mounts): run it as root');
    return 2;
  }
  const work = await mkdtemp(join(tmpdir(), 'ward-demo-'));
  let ward: WardContainerd | undefined;
  const summary: string[] = [];
  try {
    out('== building a busybox OCI image from /bin/busybox (busybox-static), no registry');
    const image = await buildBusyboxImage(busyboxSpec(), work);
    out('== starting a private containerd 1.6 with containerd-shim-ward-v2 on its PATH');
    ward = await startWardContainerd();
    out(`   socket ${ward.cd.address}; Ward run dir ${ward.runDir}`);
    await ward.cd.importImage(image.tarball);
    out(`== imported ${image.name} (${image.manifestDigest.slice(0, 19)}…)`);
    const ctx: DemoContext = {
      ward,
      summary,
      say: (line) => out(`   ${line}`),
      show: (cmd, output) => {
        out(`$ ${cmd}`);
        for (const l of output.replace(/\n$/, '').split('\n')) if (l !== '') out(`  ${l}`);
      },
    };
    for (const step of DEMO_STEPS) {
      out(`== ${step.title}`);
      await step.run(ctx);
    }
    out('== summary');
    for (const s of summary) out(`   - ${s}`);
    return 0;
  } catch (err) {
    out(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    out('== cleaning up (containers, containerd, Ward daemon and workers, temp dirs)');
    await ward?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
