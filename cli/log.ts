import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  canonicalizeText,
  DEFAULT_TPM_PCR,
  describeSummary,
  fromHex,
  hex,
  initialValueFor,
  MeasurementLog,
  openRegister,
  parseLog,
  parseSpec,
  type Register,
  SHA256,
  toCelJson,
  toCelTlv,
  verifyLogBytes,
  verifyQuote,
} from '../measure/index.js';
import { CliError } from './errors.js';
import type { CommandRegistrar } from './program.js';

const NO_ROOT =
  'WARNING: software register: no hardware root of trust; this value proves nothing to a remote verifier';

async function readLog(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new CliError(`cannot read log ${file}: ${(err as Error).message}`);
  }
}

async function openForCli(spec: string, mustExist: boolean): Promise<Register> {
  const p = parseSpec(spec);
  if (mustExist && p.kind === 'software' && p.positional[0] && !existsSync(p.positional[0])) {
    throw new CliError(`software register ${p.positional[0]} does not exist`);
  }
  return openRegister(spec);
}

function contentObject(text: string): Record<string, unknown> {
  const v = JSON.parse(canonicalizeText(text)) as unknown;
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new CliError('--content must be a JSON object');
  return v as Record<string, unknown>;
}

/** `ward log …`: append, show, verify and export measurement logs. */
export const registerLog: CommandRegistrar = (program: Command) => {
  const log = program
    .command('log')
    .description('measurement log (CoCo AAEL records): append, show, verify, export');

  log
    .command('append')
    .description('append one event durably and extend the register')
    .requiredOption('--log <file>', 'log file')
    .requiredOption(
      '--register <spec>',
      'register SPEC, e.g. software:FILE, tpm:swtpm:SOCK:pcr=23, tdx:rtmr=3',
    )
    .requiredOption('--domain <d>', 'event domain (no whitespace)')
    .requiredOption('--operation <o>', 'event operation (no whitespace)')
    .requiredOption('--content <json>', 'event content: a JSON object (canonicalized, seq added)')
    .action(
      async (o: { log: string; register: string; domain: string; operation: string; content: string }) => {
        const content = contentObject(o.content);
        const reg = await openForCli(o.register, false);
        const ml = await MeasurementLog.open({ path: o.log, register: reg });
        try {
          const r = await ml.appendEvent(o.domain, o.operation, content as never);
          process.stdout.write(
            `${JSON.stringify({ ...r, registerSpec: reg.spec, hardwareRoot: reg.hardwareRoot })}\n`,
          );
          if (!reg.hardwareRoot) process.stderr.write(`${NO_ROOT}\n`);
        } finally {
          await ml.close();
        }
      },
    );

  log
    .command('show')
    .description('print the records of a log')
    .argument('<file>', 'log file')
    .option('--json', 'one JSON array instead of a table')
    .action(async (file: string, o: { json?: boolean }) => {
      const parsed = parseLog(await readLog(file));
      if (parsed.tail !== 'clean')
        throw new CliError(`log ${file} is not readable: ${parsed.problem ?? 'bad record'}`);
      if (o.json) {
        const rows = parsed.records.map((r) => ({
          index: r.index,
          offset: r.offset,
          mrIndex: r.mrIndex,
          alg: r.alg.name,
          digest: hex(r.digest),
          domain: r.domain,
          operation: r.operation,
          content: tryJson(r.content),
        }));
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const rows = parsed.records.map((r) => {
        const c = tryJson(r.content) as Record<string, unknown> | string;
        const seq =
          typeof c === 'object' && c && typeof c['seq'] === 'number' ? String(c['seq']) : String(r.index);
        const decision =
          typeof c === 'object' && c && typeof c['decision'] === 'string' ? (c['decision'] as string) : '-';
        return [
          seq,
          `MR${r.mrIndex}/${r.alg.name}`,
          `${r.domain} ${r.operation}`,
          decision,
          hex(r.digest).slice(0, 16),
        ];
      });
      printTable(['SEQ', 'REGISTER', 'OPERATION', 'DECISION', 'DIGEST'], rows);
    });

  log
    .command('verify')
    .description('replay a log and check it against a register, an expected value, or a TPM quote')
    .argument('<file>', 'log file')
    .option('--register <spec>', 'read the expected value from this register')
    .option('--expect <hex>', 'expected register value')
    .option('--mr <n>', "MR index the records must use (default: the first record's)")
    .option('--tpm', 'MR indexes are TPM PCRs (PCRs 17-22 start at 0xFF...)')
    .option(
      '--quote <dir>',
      'tpm2_quote outputs: message, signature, pcrs (or quote.msg, quote.sig, quote.pcrs)',
    )
    .option('--ak-pub <file>', 'AK public key, PEM (tpm2_readpublic -f pem)')
    .option('--nonce <hex>', 'the nonce (qualifying data) the quote must carry')
    .action(async (file: string, o: VerifyOpts) => {
      const bytes = await readLog(file);
      const modes = [o.register, o.expect, o.quote].filter((x) => x !== undefined).length;
      if (modes !== 1) throw new CliError('give exactly one of --register, --expect, --quote');
      const mr = o.mr !== undefined ? Number(o.mr) : undefined;
      if (o.quote !== undefined) return verifyWithQuote(bytes, o, mr);
      if (o.register !== undefined) {
        const reg = await openForCli(o.register, true);
        try {
          const expected = await reg.read();
          const s = verifyLogBytes(bytes, {
            alg: reg.alg,
            mrIndex: reg.mrIndex,
            tpm: reg.spec.startsWith('tpm:'),
            expected,
          });
          process.stdout.write(`OK: ${describeSummary(s)} matches ${reg.description}\n`);
          if (!reg.hardwareRoot) process.stdout.write(`${NO_ROOT}\n`);
        } finally {
          await reg.close();
        }
        return;
      }
      const s = verifyLogBytes(bytes, {
        expected: fromHex(o.expect ?? '', '--expect'),
        ...(mr !== undefined ? { mrIndex: mr } : {}),
        tpm: o.tpm ?? false,
      });
      process.stdout.write(`OK: ${describeSummary(s)} matches the expected value\n`);
    });

  log
    .command('export')
    .description('export a log as a TCG Canonical Event Log')
    .argument('<file>', 'log file')
    .option('--cel-json', 'CEL JSON encoding')
    .option('--cel-tlv', 'CEL TLV encoding (binary, to stdout)')
    .action(async (file: string, o: { celJson?: boolean; celTlv?: boolean }) => {
      if (Boolean(o.celJson) === Boolean(o.celTlv))
        throw new CliError('give exactly one of --cel-json, --cel-tlv');
      const parsed = parseLog(await readLog(file));
      if (parsed.tail !== 'clean')
        throw new CliError(`log ${file} is not readable: ${parsed.problem ?? 'bad record'}`);
      if (o.celJson) process.stdout.write(`${JSON.stringify(toCelJson(parsed.records))}\n`);
      else process.stdout.write(toCelTlv(parsed.records));
    });
};

interface VerifyOpts {
  register?: string;
  expect?: string;
  mr?: string;
  tpm?: boolean;
  quote?: string;
  akPub?: string;
  nonce?: string;
}

async function verifyWithQuote(bytes: Buffer, o: VerifyOpts, mr: number | undefined): Promise<void> {
  if (!o.akPub || !o.nonce) throw new CliError('--quote needs --ak-pub and --nonce');
  const dir = o.quote ?? '.';
  const pick = async (names: string[], required: boolean): Promise<Buffer | undefined> => {
    for (const n of names) if (existsSync(join(dir, n))) return readFile(join(dir, n));
    if (required) throw new CliError(`quote directory ${dir} has none of ${names.join(', ')}`);
    return undefined;
  };
  const message = (await pick(['message', 'quote.msg', 'msg'], true))!;
  const signature = (await pick(['signature', 'quote.sig', 'sig'], true))!;
  const pcrs = await pick(['pcrs', 'quote.pcrs', 'pcr'], false);
  const s = verifyLogBytes(bytes, { tpm: true, ...(mr !== undefined ? { mrIndex: mr } : {}) });
  // The log's PCR is always checked, at its initial value when the log is empty: an empty or
  // truncated log must not pass against a quote of an extended PCR.
  const alg = s.alg ?? SHA256;
  const pcr = s.mrIndex ?? DEFAULT_TPM_PCR;
  const replayed = new Map<string, Buffer>([[`${alg.tpmId}:${pcr}`, initialValueFor(alg, pcr, true)]]);
  for (const [idx, v] of s.values) replayed.set(`${alg.tpmId}:${idx}`, v);
  verifyQuote({
    message,
    signature,
    ...(pcrs ? { pcrs } : {}),
    akPem: await readFile(o.akPub),
    nonce: fromHex(o.nonce, '--nonce'),
    replayed,
  });
  process.stdout.write(`OK: ${describeSummary(s)} matches the TPM quote (signature, nonce, PCR digest)\n`);
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function printTable(headers: string[], rows: string[][]): void {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(w[i] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}
