import { algByName, type HashAlg, SHA256, SHA384 } from './alg.js';
import { MeasureError } from './errors.js';
import type { Register } from './register.js';
import { SoftwareRegister } from './software.js';
import { FileSysfs, TDX_SYSFS_ROOT, TdxRegister } from './tdx.js';
import { DEFAULT_TPM_PCR, TpmRegister } from './tpm/register.js';
import { DeviceTransport, SwtpmSocketTransport } from './tpm/transport.js';

/** The embedded default register: a software register (no hardware root of trust). */
export const DEFAULT_REGISTER_SPEC = 'software:/var/lib/ward/register';
/** MR index of the software register by default: the one CoCo's AAEL uses on TDX (RTMR3). */
export const DEFAULT_SOFTWARE_MR_INDEX = 4;
/** Default TDX RTMR. */
export const DEFAULT_RTMR = 3;

/** A register SPEC split into its kind, positional parts and key=value options. */
export interface ParsedSpec {
  readonly kind: 'software' | 'tpm' | 'tdx' | 'aa';
  readonly positional: readonly string[];
  readonly options: ReadonlyMap<string, string>;
  readonly alg?: HashAlg;
}

/**
 * Parses a register SPEC:
 * `software:FILE[:sha256|sha384][:mr=N]`, `tpm:/dev/tpmrm0[:pcr=N][:sha256|sha384]`,
 * `tpm:swtpm:SOCKET[:pcr=N][:sha256|sha384]`, `tdx[:rtmr=N][:root=DIR]`,
 * `aa:unix://PATH[#mr=4&alg=sha384&pcr=17]` (the AA's ttrpc socket; mirror log MR index/algorithm).
 */
export function parseSpec(spec: string): ParsedSpec {
  const i = spec.indexOf(':');
  const kind = i < 0 ? spec : spec.slice(0, i);
  const rest = i < 0 ? '' : spec.slice(i + 1);
  if (kind === 'aa') return { kind, positional: [rest], options: new Map() };
  if (kind !== 'software' && kind !== 'tpm' && kind !== 'tdx') {
    throw new MeasureError('ERR_MEASURE_BAD_INPUT', `unknown register kind '${kind}' in '${spec}'`);
  }
  const positional: string[] = [];
  const options = new Map<string, string>();
  let alg: HashAlg | undefined;
  for (const part of rest.length > 0 ? rest.split(':') : []) {
    const eq = part.indexOf('=');
    if (eq > 0) options.set(part.slice(0, eq), part.slice(eq + 1));
    else if (/^sha(256|384|512)$/i.test(part)) alg = algByName(part);
    else positional.push(part);
  }
  return alg ? { kind, positional, options, alg } : { kind, positional, options };
}

function intOption(p: ParsedSpec, key: string, dflt: number): number {
  const v = p.options.get(key);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new MeasureError('ERR_MEASURE_BAD_INPUT', `${key}=${v} is not a number`);
  return Number(v);
}

/** Opens the register a SPEC names. */
export async function openRegister(spec: string): Promise<Register> {
  const p = parseSpec(spec);
  switch (p.kind) {
    case 'software': {
      const file = p.positional[0];
      if (!file) throw new MeasureError('ERR_MEASURE_BAD_INPUT', `'${spec}' names no file`);
      return SoftwareRegister.open(
        spec,
        file,
        p.alg ?? SHA384,
        intOption(p, 'mr', DEFAULT_SOFTWARE_MR_INDEX),
      );
    }
    case 'tpm': {
      const pcr = intOption(p, 'pcr', DEFAULT_TPM_PCR);
      const alg = p.alg ?? SHA256;
      if (p.positional[0] === 'swtpm') {
        const sock = p.positional[1];
        if (!sock) throw new MeasureError('ERR_MEASURE_BAD_INPUT', `'${spec}' names no swtpm socket`);
        return new TpmRegister(spec, alg, pcr, new SwtpmSocketTransport(sock));
      }
      return new TpmRegister(spec, alg, pcr, new DeviceTransport(p.positional[0] ?? '/dev/tpmrm0'));
    }
    case 'tdx': {
      if (p.alg && p.alg !== SHA384)
        throw new MeasureError('ERR_MEASURE_ALGORITHM', 'TDX RTMRs are SHA-384 only');
      return new TdxRegister(
        spec,
        intOption(p, 'rtmr', DEFAULT_RTMR),
        new FileSysfs(p.options.get('root') ?? TDX_SYSFS_ROOT),
      );
    }
    case 'aa': {
      // aa:<ttrpc address>[#mr=N&alg=sha256&pcr=N]: the address itself contains colons.
      const [address = '', frag = ''] = (p.positional[0] ?? '').split('#');
      if (!address)
        throw new MeasureError('ERR_MEASURE_BAD_INPUT', `'${spec}' names no Attestation Agent address`);
      const o = new URLSearchParams(frag);
      const num = (k: string): number | undefined => {
        const v = o.get(k);
        if (v === null) return undefined;
        if (!/^\d+$/.test(v)) throw new MeasureError('ERR_MEASURE_BAD_INPUT', `${k}=${v} is not a number`);
        return Number(v);
      };
      const algName = o.get('alg');
      const alg = algName ? algByName(algName) : SHA384;
      // Loaded on demand: only the aa: backend needs the ttrpc client.
      const { AaRegister } = await import('./aa.js');
      return new AaRegister(spec, address, alg, num('mr') ?? DEFAULT_SOFTWARE_MR_INDEX, num('pcr'));
    }
  }
}
