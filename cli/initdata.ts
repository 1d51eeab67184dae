import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  encodeAnnotation,
  encodeBlockDevice,
  expectedInitDataPcr8,
  hex,
  initDataDigest,
  readInitData,
  TEE_FIELD_SIZE,
  teeField,
} from '../measure/index.js';
import { CliError } from './errors.js';
import type { CommandRegistrar } from './program.js';

async function input(file: string): Promise<Buffer> {
  try {
    return file === '-' ? await readStdin() : await readFile(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** `ward initdata …`: CoCo init-data digest, encode (annotation / block device) and decode. */
export const registerInitData: CommandRegistrar = (program: Command) => {
  const cmd = program
    .command('initdata')
    .description('CoCo init-data: digest, encode, decode (TOML, annotation, block device)');

  cmd
    .command('digest')
    .description('print the init-data digest (its algorithm over the TOML bytes)')
    .argument('<file>', 'TOML, annotation value (base64 gzip) or block-device image; - for stdin')
    .option('--tee <tee>', 'pad or truncate to a TEE field: tdx (48), snp (32), tpm (32), cca (64)')
    .option('--pcr8', 'print the vTPM PCR 8 value CoCo produces: sha256(0^32 || digest32)')
    .action(async (file: string, o: { tee?: string; pcr8?: boolean }) => {
      const init = readInitData(await input(file));
      if (o.pcr8) {
        process.stdout.write(`${hex(expectedInitDataPcr8(init))}\n`);
        return;
      }
      const d = initDataDigest(init);
      if (o.tee === undefined) {
        process.stdout.write(`${hex(d)}\n`);
        return;
      }
      const size = (TEE_FIELD_SIZE as Record<string, number>)[o.tee];
      if (size === undefined) throw new CliError(`unknown TEE '${o.tee}' (tdx, snp, tpm, cca)`);
      process.stdout.write(`${hex(teeField(d, size))}\n`);
    });

  cmd
    .command('encode')
    .description('encode init-data TOML as the annotation value (default) or a block-device image')
    .argument('<file>', 'init-data TOML; - for stdin')
    .option('--block <out>', 'write the block-device form (magic, u64 LE length, gzip) to this file')
    .action(async (file: string, o: { block?: string }) => {
      const raw = await input(file);
      readInitData(raw);
      if (o.block) await writeFile(o.block, encodeBlockDevice(raw));
      else process.stdout.write(`${encodeAnnotation(raw)}\n`);
    });

  cmd
    .command('decode')
    .description('print the TOML inside an annotation value or block-device image')
    .argument('<file>', 'annotation value (base64 gzip) or block-device image; - for stdin')
    .action(async (file: string) => {
      const init = readInitData(await input(file));
      process.stdout.write(init.raw);
    });
};
