import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { PolicyError } from '../lang/errors.js';
import { fromJs, ObjectV, parseJson, toJs, toJson, type Value } from '../value/index.js';
import { isGzip, readTar } from './tar.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** A policy compiled by `opa build -t wasm`, evaluated with @open-policy-agent/opa-wasm. */
export class WasmPolicy {
  private constructor(
    private readonly loaded: Awaited<ReturnType<typeof loadPolicy>>,
    /** Entrypoint names (e.g. `agent_policy/CreateContainerRequest`) to their ids. */
    readonly entrypoints: ReadonlyMap<string, number>,
  ) {}

  /** Loads a `policy.wasm` module or an OPA bundle (`bundle.tar.gz` holding /policy.wasm, /data.json). */
  static async load(bytes: Uint8Array): Promise<WasmPolicy> {
    let wasm: Uint8Array = bytes;
    let data: Value = new ObjectV();
    if (isGzip(bytes)) {
      const files = readTar(bytes);
      const w = files.get('/policy.wasm');
      if (w === undefined) throw new PolicyError('rego_compile_error', 'bundle has no /policy.wasm');
      wasm = w;
      const d = files.get('/data.json');
      if (d !== undefined) data = parseJson(Buffer.from(d).toString('utf8'));
    }
    if (!WASM_MAGIC.every((b, i) => wasm[i] === b)) {
      throw new PolicyError('rego_compile_error', 'not a WebAssembly module or OPA bundle');
    }
    let loaded: Awaited<ReturnType<typeof loadPolicy>>;
    try {
      loaded = await loadPolicy(new Uint8Array(wasm));
    } catch (err) {
      throw new PolicyError('rego_compile_error', `loading wasm policy: ${errText(err)}`, undefined, {
        cause: err,
      });
    }
    const eps = new Map<string, number>(Object.entries(loaded.entrypoints as Record<string, number>));
    const p = new WasmPolicy(loaded, eps);
    p.setData(data);
    return p;
  }

  /** Replaces the policy's data document. */
  setData(data: Value): void {
    // opa-wasm parses the JSON text itself, which keeps big integers as the policy sees them.
    this.loaded.setData(new TextEncoder().encode(toJson(data)).buffer as ArrayBuffer);
  }

  /**
   * Evaluates an entrypoint (`a/b` or `data.a.b`) with an input; returns the value, or undefined
   * when the entrypoint produced no result.
   */
  evaluate(entrypoint: string, input: Value | undefined): Value | undefined {
    const name = entrypoint.startsWith('data.') ? entrypoint.slice(5).replaceAll('.', '/') : entrypoint;
    if (!this.entrypoints.has(name)) {
      throw new PolicyError('rego_compile_error', `wasm policy has no entrypoint ${name}`);
    }
    let rs: unknown;
    try {
      const text = input === undefined ? undefined : new TextEncoder().encode(toJson(input)).buffer;
      rs = this.loaded.evaluate(text, name);
    } catch (err) {
      throw new PolicyError('eval_internal_error', `wasm evaluation: ${errText(err)}`, undefined, {
        cause: err,
      });
    }
    const first = Array.isArray(rs) ? (rs[0] as { result?: unknown } | undefined) : undefined;
    return first === undefined || !('result' in first) ? undefined : fromJs(first.result);
  }
}

/** Converts a value for opa-wasm's JS API (exposed for callers passing plain objects). */
export function toWasmInput(v: Value): unknown {
  return toJs(v);
}

// opa-wasm throws plain strings as well as Errors.
function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
