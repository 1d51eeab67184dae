import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HarnessError } from './errors.js';

const run = promisify(execFile);

/** Where Debian's busybox-static package puts its statically linked binary. */
export const BUSYBOX_STATIC = '/bin/busybox';

/** The reference under which the locally built busybox image is imported. */
export const BUSYBOX_IMAGE = 'docker.io/ward/busybox:latest';

/** The reference of the locally built CRI pause image (set as the CRI plugin's sandbox_image). */
export const PAUSE_IMAGE = 'docker.io/ward/pause:3.9';

const MEDIA_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const MEDIA_CONFIG = 'application/vnd.oci.image.config.v1+json';
const MEDIA_LAYER = 'application/vnd.oci.image.layer.v1.tar';
const MEDIA_INDEX = 'application/vnd.oci.image.index.v1+json';

/** What an image runs by default: its entrypoint, command and environment. */
export interface ImageSpec {
  /** Full reference written to the index's `io.containerd.image.name` annotation. */
  readonly name: string;
  readonly entrypoint?: readonly string[];
  readonly cmd: readonly string[];
}

/** Files of a built OCI image layout tarball and its identity. */
export interface BuiltImage {
  readonly name: string;
  /** Path of the OCI image layout tar, ready for `ctr images import`. */
  readonly tarball: string;
  readonly manifestDigest: string;
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Lays out a minimal busybox root filesystem: the static binary, one symlink per applet, and the
 * few files and directories a container runtime and `sh` expect.
 */
async function layoutRootfs(root: string): Promise<void> {
  for (const d of ['bin', 'sbin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'var', 'run']) {
    await mkdir(join(root, d), { recursive: true });
  }
  await chmod(join(root, 'tmp'), 0o1777);
  await copyFile(BUSYBOX_STATIC, join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  const { stdout } = await run(BUSYBOX_STATIC, ['--list']);
  for (const applet of stdout.split('\n').map((s) => s.trim())) {
    if (applet === '' || applet === 'busybox' || applet.includes('/')) continue;
    await symlink('busybox', join(root, 'bin', applet));
  }
  await writeFile(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n',
  );
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
}

/** Reproducible tar of a directory (sorted names, root owner, fixed mtime) via GNU tar. */
async function tarDir(dir: string, out: string): Promise<void> {
  await run('tar', [
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mtime=@0',
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '-cf',
    out,
    '-C',
    dir,
    '.',
  ]);
}

async function writeBlob(layout: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  await writeFile(join(layout, 'blobs/sha256', digest), data);
  return `sha256:${digest}`;
}

/**
 * Builds an OCI image layout tarball holding one uncompressed busybox layer, entirely from local
 * files: there is no registry on these machines.
 */
export async function buildBusyboxImage(spec: ImageSpec, outDir: string): Promise<BuiltImage> {
  const work = await mkdtemp(join(tmpdir(), 'ward-image-'));
  try {
    const root = join(work, 'rootfs');
    const layout = join(work, 'layout');
    await mkdir(root);
    await mkdir(join(layout, 'blobs/sha256'), { recursive: true });
    await layoutRootfs(root);
    const layerPath = join(work, 'layer.tar');
    await tarDir(root, layerPath);
    const layer = await readFile(layerPath);
    const layerDigest = await writeBlob(layout, layer);
    const config = Buffer.from(
      JSON.stringify({
        architecture: goArch(),
        os: 'linux',
        config: {
          Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
          ...(spec.entrypoint ? { Entrypoint: [...spec.entrypoint] } : {}),
          Cmd: [...spec.cmd],
          WorkingDir: '/',
        },
        rootfs: { type: 'layers', diff_ids: [layerDigest] },
        history: [{ created_by: 'ward: busybox-static from Debian' }],
      }),
    );
    const configDigest = await writeBlob(layout, config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_MANIFEST,
        config: { mediaType: MEDIA_CONFIG, digest: configDigest, size: config.length },
        layers: [{ mediaType: MEDIA_LAYER, digest: layerDigest, size: layer.length }],
      }),
    );
    const manifestDigest = await writeBlob(layout, manifest);
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA_INDEX,
      manifests: [
        {
          mediaType: MEDIA_MANIFEST,
          digest: manifestDigest,
          size: manifest.length,
          platform: { architecture: goArch(), os: 'linux' },
          annotations: {
            'io.containerd.image.name': spec.name,
            'org.opencontainers.image.ref.name': spec.name.split(':').pop() ?? 'latest',
          },
        },
      ],
    };
    await writeFile(join(layout, 'index.json'), JSON.stringify(index));
    await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await mkdir(outDir, { recursive: true });
    const tarball = join(outDir, `${spec.name.replace(/[^a-zA-Z0-9.-]+/g, '_')}.tar`);
    await tarDir(layout, tarball);
    return { name: spec.name, tarball, manifestDigest };
  } catch (err) {
    throw new HarnessError(`building image ${spec.name}: ${(err as Error).message}`, 'ERR_HARNESS_IMAGE', {
      cause: err,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The busybox image tests run: `sh` by default, every applet on PATH. */
export function busyboxSpec(): ImageSpec {
  return { name: BUSYBOX_IMAGE, cmd: ['/bin/sh'] };
}

/**
 * The CRI pause image: PID 1 that sleeps until killed. CRI stops sandboxes with SIGKILL, so no
 * signal handling is needed.
 */
export function pauseSpec(): ImageSpec {
  return { name: PAUSE_IMAGE, entrypoint: ['/bin/sleep'], cmd: ['2147483647'] };
}

/** Node's architecture name in Go's (OCI platform) spelling. */
export function goArch(): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ppc64: 'ppc64le',
    s390x: 's390x',
  };
  return map[process.arch] ?? process.arch;
}
