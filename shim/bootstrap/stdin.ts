import protobuf from 'protobufjs/light.js';
import { ShimError } from '../errors.js';

/** Type URL suffix of the runtime options CRI and ctr send for non-runc runtimes. */
export const RUNTIME_OPTIONS_TYPE = 'runtimeoptions.v1.Options';

/** What the shim takes from `start`'s stdin, whichever form containerd used. */
export interface StartInput {
  /** `runtimeoptions.v1.Options.config_path`, when given. */
  readonly configPath?: string;
  /** Which form stdin held. */
  readonly form: 'empty' | 'options' | 'bootstrap';
  /** BootstrapParams' addresses and socket dir (containerd ≥ 2.3). */
  readonly ttrpcAddress?: string;
  readonly grpcAddress?: string;
  readonly socketDir?: string;
}

interface Field {
  readonly no: number;
  readonly bytes?: Uint8Array;
}

/** Reads the top-level fields of a protobuf message, keeping length-delimited payloads. */
function fields(buf: Uint8Array): Field[] {
  const r = protobuf.Reader.create(buf);
  const out: Field[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    const no = tag >>> 3;
    const wire = tag & 7;
    if (no === 0) throw new Error('field number 0');
    if (wire === 2) out.push({ no, bytes: r.bytes() });
    else {
      r.skipType(wire);
      out.push({ no });
    }
  }
  return out;
}

const text = (b: Uint8Array | undefined): string => (b ? Buffer.from(b).toString('utf8') : '');

/** Decodes an Any; the config path when it is a runtimeoptions.v1.Options. */
function optionsFromAny(any: Uint8Array): string | undefined {
  if (any.length === 0) return undefined;
  const f = fields(any);
  const typeUrl = text(f.find((x) => x.no === 1)?.bytes);
  const value = f.find((x) => x.no === 2)?.bytes ?? new Uint8Array();
  if (!typeUrl.endsWith(RUNTIME_OPTIONS_TYPE)) {
    // Options Ward cannot interpret would be silently ignored otherwise: fail closed.
    throw new ShimError(
      `start: unsupported runtime options type ${typeUrl || '(empty)'}`,
      'ERR_SHIM_INVALID',
    );
  }
  const path = text(fields(value).find((x) => x.no === 2)?.bytes);
  return path === '' ? undefined : path;
}

/**
 * Interprets `start`'s stdin without assuming its form: containerd ≤ 2.2 writes the runtime
 * options Any (or nothing); 2.3 writes BootstrapParams, recognised only when its instance id
 * and namespace (fields 1 and 2) match the command line, as containerd's own shims check,
 * because an Any also parses as BootstrapParams. Options of any other type are refused.
 */
export function parseStartInput(stdin: Uint8Array, id: string, namespace: string): StartInput {
  if (stdin.length === 0) return { form: 'empty' };
  let top: Field[];
  try {
    top = fields(stdin);
  } catch (err) {
    throw new ShimError(
      `start: stdin is not a protobuf message: ${(err as Error).message}`,
      'ERR_SHIM_INVALID',
      {
        cause: err,
      },
    );
  }
  try {
    const f1 = text(top.find((x) => x.no === 1)?.bytes);
    const f2 = text(top.find((x) => x.no === 2)?.bytes);
    if (f1 === id && f2 === namespace && id !== '') {
      let configPath: string | undefined;
      for (const ext of top.filter((x) => x.no === 8)) {
        const any = fields(ext.bytes ?? new Uint8Array()).find((x) => x.no === 1)?.bytes;
        if (any) configPath = optionsFromAny(any) ?? configPath;
      }
      const ttrpc = text(top.find((x) => x.no === 5)?.bytes);
      const grpc = text(top.find((x) => x.no === 6)?.bytes);
      const sock = text(top.find((x) => x.no === 9)?.bytes);
      return {
        form: 'bootstrap',
        ...(configPath ? { configPath } : {}),
        ...(ttrpc ? { ttrpcAddress: ttrpc } : {}),
        ...(grpc ? { grpcAddress: grpc } : {}),
        ...(sock ? { socketDir: sock } : {}),
      };
    }
    const configPath = optionsFromAny(stdin);
    return { form: 'options', ...(configPath ? { configPath } : {}) };
  } catch (err) {
    throw new ShimError(
      `start: cannot decode runtime options: ${(err as Error).message}`,
      'ERR_SHIM_INVALID',
      {
        cause: err,
      },
    );
  }
}
