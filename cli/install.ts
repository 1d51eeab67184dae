import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import {
  containerdDropIn,
  DEFAULT_CONFIG_PATH,
  defaultConfigToml,
  launcherWithLib,
  parseConfig,
  runtimeClassManifest,
} from '../shim/index.js';
import { CliError } from './errors.js';
import type { CommandRegistrar } from './program.js';

/** The build's dist/ directory (this file is dist/cli/install.js). */
const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function containerdMajor(): number {
  try {
    const v = execFileSync('containerd', ['--version'], { encoding: 'utf8' });
    const m = / v?(\d+)\.\d+/.exec(v);
    return m ? Number(m[1]) : 1;
  } catch {
    return 1;
  }
}

async function put(path: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  await chmod(path, mode);
}

interface InstallOptions {
  readonly prefix: string;
  readonly destdir: string;
  readonly sysconfdir: string;
  readonly containerd: string;
}

/**
 * `ward install`: the shim launcher on containerd's PATH (PREFIX/bin), the containerd drop-in
 * registering handler `ward` (version 2 for containerd 1.x, version 3 for 2.x, both written),
 * the RuntimeClass manifest, and /etc/ward/config.toml with the defaults unless one exists.
 * DESTDIR stages everything under another root (packaging, tests).
 */
async function install(o: InstallOptions): Promise<string[]> {
  if (!o.prefix.startsWith('/')) throw new CliError(`--prefix ${o.prefix}: must be an absolute path`);
  const root = o.destdir ? resolve(o.destdir) : '/';
  const at = (p: string): string => join(root, p);
  const launcherSrc = join(DIST, 'bin', 'containerd-shim-ward-v2');
  if (!existsSync(launcherSrc)) throw new CliError(`${launcherSrc} is missing: run make build first`);
  const written: string[] = [];
  const shim = at(join(o.prefix, 'bin', 'containerd-shim-ward-v2'));
  await put(shim, launcherWithLib(await readFile(launcherSrc, 'utf8'), DIST), 0o755);
  written.push(shim);
  const major = o.containerd === 'auto' ? containerdMajor() : Number(o.containerd);
  if (major !== 1 && major !== 2) throw new CliError(`--containerd ${o.containerd}: must be 1, 2 or auto`);
  const configPath = join(o.sysconfdir, 'ward', 'config.toml');
  const dropIn = at(join(o.sysconfdir, 'containerd', 'conf.d', 'ward.toml'));
  await put(dropIn, containerdDropIn(major === 1 ? 2 : 3, configPath));
  written.push(dropIn);
  const other = at(join(o.prefix, 'share', 'ward', `containerd-ward-v${major === 1 ? 3 : 2}.toml`));
  await put(other, containerdDropIn(major === 1 ? 3 : 2, configPath));
  written.push(other);
  const rc = at(join(o.prefix, 'share', 'ward', 'runtimeclass.yaml'));
  await put(rc, runtimeClassManifest());
  written.push(rc);
  const cfg = at(configPath);
  if (existsSync(cfg)) parseConfig(await readFile(cfg, 'utf8'), cfg);
  else {
    await put(cfg, defaultConfigToml());
    written.push(cfg);
  }
  return written;
}

/** Registers `ward install`. */
export const registerInstall: CommandRegistrar = (program: Command) => {
  program
    .command('install')
    .description(
      'install containerd-shim-ward-v2, the containerd drop-in for handler "ward", the RuntimeClass and /etc/ward/config.toml',
    )
    .option('--prefix <dir>', 'installation prefix', '/usr/local')
    .option(
      '--destdir <dir>',
      'stage the files under this root (default: $DESTDIR)',
      process.env['DESTDIR'] ?? '',
    )
    .option('--sysconfdir <dir>', 'configuration root', dirname(dirname(DEFAULT_CONFIG_PATH)))
    .option('--containerd <major>', 'containerd major version the drop-in is for: 1, 2 or auto', 'auto')
    .action(async (opts: InstallOptions) => {
      const written = await install(opts);
      for (const f of written) process.stdout.write(`${f}\n`);
      process.stdout.write(
        'containerd reads the drop-in when its config.toml has: imports = ["/etc/containerd/conf.d/*.toml"]\n',
      );
    });
};
