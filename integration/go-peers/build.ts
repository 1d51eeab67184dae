import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian installs Go sources for GOPATH-mode builds. */
export const DEBIAN_GOPATH = '/usr/share/gocode';

/** Go packages the ttrpc peer needs from Debian (golang-github-containerd-ttrpc-dev and its deps). */
export const GO_PEER_DEPENDENCIES = [
  'github.com/containerd/ttrpc',
  'github.com/gogo/protobuf/types',
  'github.com/sirupsen/logrus',
  'golang.org/x/sys/unix',
  'google.golang.org/genproto/googleapis/rpc/status',
  'google.golang.org/grpc/status',
] as const;

/** Raised when the Go toolchain or a Debian Go package is missing: tests print it and skip. */
export class GoPeerUnavailable extends Error {
  override readonly name = 'GoPeerUnavailable';
  readonly code = 'ERR_GO_PEER_UNAVAILABLE';
}

/** Sources of the ttrpc peer, beside this file in the repository (dist/ holds only the JS). */
function sourceDir(): string {
  return fileURLToPath(new URL('../../../integration/go-peers/ttrpc-peer/', import.meta.url));
}

let building: Promise<string> | undefined;

/**
 * Builds the Go ttrpc peer (integration/go-peers/ttrpc-peer) in GOPATH mode against Debian's Go
 * sources, no module proxy, and returns the binary's path. Binaries are cached under
 * `$TMPDIR/ward-go-peers/<hash of sources and go version>/`, so reruns cost nothing.
 */
export function buildGoTtrpcPeer(): Promise<string> {
  building ??= build().catch((err: unknown) => {
    building = undefined;
    throw err;
  });
  return building;
}

async function build(): Promise<string> {
  const src = sourceDir();
  let version: string;
  try {
    version = (await run('go', ['version'])).stdout.trim();
  } catch (err) {
    throw new GoPeerUnavailable(
      `go toolchain not found (apt-get install golang-go): ${(err as Error).message}`,
    );
  }
  for (const pkg of GO_PEER_DEPENDENCIES) {
    if (!existsSync(join(DEBIAN_GOPATH, 'src', pkg))) {
      throw new GoPeerUnavailable(
        `Go package ${pkg} missing under ${DEBIAN_GOPATH} (install-deps.sh installs it)`,
      );
    }
  }
  const files = (await readdir(src)).filter((f) => f.endsWith('.go')).sort();
  const hash = createHash('sha256').update(version);
  for (const f of files)
    hash
      .update(f)
      .update('\0')
      .update(await readFile(join(src, f)))
      .update('\0');
  const dir = join(tmpdir(), 'ward-go-peers', hash.digest('hex').slice(0, 16));
  const bin = join(dir, 'ttrpc-peer');
  if (existsSync(bin)) return bin;
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(dir, 'build-'));
  try {
    const out = join(work, 'ttrpc-peer');
    await run('go', ['build', '-o', out, '.'], {
      cwd: src,
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: DEBIAN_GOPATH,
        GOFLAGS: '',
        GOPROXY: 'off',
        GOCACHE: join(tmpdir(), 'ward-go-peers', 'gocache'),
      },
      maxBuffer: 16 << 20,
    });
    // Atomic publish: concurrent test files may build at the same time.
    await rename(out, bin);
    return bin;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`building the Go ttrpc peer failed: ${e.stderr ?? e.message}`, { cause: err });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
