import { ShimError } from '../errors.js';

/** The shim's command-line contract as containerd 1.6 – 2.x invoke it (Go `flag` syntax). */
export interface ShimFlags {
  readonly namespace: string;
  readonly address: string;
  readonly publishBinary: string;
  readonly id: string;
  readonly bundle: string;
  readonly socket: string;
  readonly debug: boolean;
  readonly version: boolean;
  /** The action: `start`, `delete`, or an internal one (`daemon`, `worker`); empty for -v. */
  readonly action: string;
  /** Arguments after the action. */
  readonly rest: readonly string[];
}

const STRING_FLAGS: Record<string, keyof ShimFlags> = {
  namespace: 'namespace',
  address: 'address',
  'publish-binary': 'publishBinary',
  id: 'id',
  bundle: 'bundle',
  socket: 'socket',
};
const BOOL_FLAGS: Record<string, keyof ShimFlags> = { debug: 'debug', v: 'version', version: 'version' };

/**
 * Parses Go-style flags: `-name value`, `-name=value`, `--name value`, boolean `-debug`, and
 * stops at the first non-flag word (the action). Unknown flags are an error, as with Go's flag.
 */
export function parseShimFlags(argv: readonly string[]): ShimFlags {
  const out: Record<string, string | boolean> = {
    namespace: '',
    address: '',
    publishBinary: '',
    id: '',
    bundle: '',
    socket: '',
    debug: false,
    version: false,
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      if (arg === '--') i++;
      break;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    const boolKey = BOOL_FLAGS[name];
    if (boolKey) {
      out[boolKey] = inline === undefined ? true : inline === 'true' || inline === '1';
      continue;
    }
    const key = STRING_FLAGS[name];
    if (!key) throw new ShimError(`flag provided but not defined: -${name}`, 'ERR_SHIM_INVALID');
    if (inline !== undefined) out[key] = inline;
    else {
      const v = argv[i + 1];
      if (v === undefined) throw new ShimError(`flag needs an argument: -${name}`, 'ERR_SHIM_INVALID');
      out[key] = v;
      i++;
    }
  }
  return {
    namespace: String(out['namespace']),
    address: String(out['address']),
    publishBinary: String(out['publishBinary']),
    id: String(out['id']),
    bundle: String(out['bundle']),
    socket: String(out['socket']),
    debug: out['debug'] === true,
    version: out['version'] === true,
    action: argv[i] ?? '',
    rest: argv.slice(i + 1),
  };
}
