import { readFile } from 'node:fs/promises';
import { parse } from 'smol-toml';
import { ShimError } from '../errors.js';
import { CONFIG_CHECKS, DEFAULT_CONFIG, type WardConfig } from './schema.js';

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function bad(source: string, key: string, reason: string): ShimError {
  return new ShimError(`config ${source}: ${key}: ${reason}`, 'ERR_SHIM_CONFIG');
}

/** Deep-merges validated `file` values over `base`, rejecting unknown keys and bad values. */
function merge(base: Table, file: Table, prefix: string, source: string): Table {
  const out: Table = { ...base };
  for (const [k, v] of Object.entries(file)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    const current = base[k];
    if (isTable(current)) {
      if (!isTable(v)) throw bad(source, key, 'must be a table');
      out[k] = merge(current, v, key, source);
      continue;
    }
    const check = CONFIG_CHECKS[key];
    if (!check || current === undefined) throw bad(source, key, 'unknown key');
    const reason = check(v);
    if (reason) throw bad(source, key, reason);
    out[k] = typeof v === 'bigint' ? Number(v) : v;
  }
  return out;
}

/** Parses and validates TOML text; `source` names the file in errors. */
export function parseConfig(text: string, source: string): WardConfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ShimError(`config ${source}: ${(err as Error).message.split('\n')[0]}`, 'ERR_SHIM_CONFIG', {
      cause: err,
    });
  }
  if (!isTable(doc)) throw bad(source, '(root)', 'must be a table');
  const merged = merge(DEFAULT_CONFIG as unknown as Table, doc, '', source);
  const cfg = merged as unknown as WardConfig;
  if (cfg.sandbox.driver === 'remote' && cfg.sandbox.remote.address === '') {
    throw bad(source, 'sandbox.remote.address', 'required when sandbox.driver = "remote"');
  }
  return cfg;
}

/**
 * Loads the configuration. A missing file at the default path means defaults; a missing file
 * that was asked for explicitly (runtime options' ConfigPath) is an error.
 */
export async function loadConfig(path: string, explicit: boolean): Promise<WardConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_CONFIG;
    throw new ShimError(`config ${path}: ${(err as Error).message}`, 'ERR_SHIM_CONFIG', { cause: err });
  }
  return parseConfig(text, path);
}
