import type { Server as HttpServer } from 'node:http';
import type { Server as NetServer } from 'node:net';
import type { Logger } from 'pino';
import {
  bindInitData,
  hex,
  initDataDigest,
  MeasurementLog,
  OP_POLICY,
  openRegister,
  policyEventContent,
  type Register,
  TdxRegister,
  TpmRegister,
  WARD_DOMAIN,
} from '../measure/index.js';
import { connect, KATA_POLICY_PROFILES, listen } from '../proto/index.js';
import type { ProxyConfig } from './config.js';
import { ProxyError } from './errors.js';
import { StoreIdentitySink } from './identity-sink.js';
import { createDecider } from './kata-decider.js';
import { ProxyMetrics } from './metrics.js';
import { serveMetrics } from './metrics-server.js';
import { CONTINUED_SOURCE, continuedPolicy, keepPolicy } from './policy-keeper.js';
import { resolvePolicySource } from './policy-source.js';
import { AgentProxy } from './proxy.js';
import { statePatches } from './restore.js';

/** A started proxy and what it owns. */
export interface RunningProxy {
  readonly proxy: AgentProxy;
  readonly log: MeasurementLog;
  readonly listener: NetServer;
  readonly metricsServer: HttpServer | undefined;
  /** Stops serving, lets in-flight requests finish, closes the log (releasing its lock). */
  close(): Promise<void>;
}

/**
 * Starts ward-agent-proxy: resolves and loads the policy, opens (and recovers) the log on its
 * register, records init-data (first event) and the policy in force, then listens. Any failure
 * is a ProxyError with one line saying what is wrong, and nothing is left listening.
 */
export async function startProxy(cfg: ProxyConfig, logger?: Logger): Promise<RunningProxy> {
  const source = await resolvePolicySource(cfg);
  // Compiled now so that a configured policy that does not load is named before anything opens;
  // a start that continues a SetPolicy policy replaces it below.
  let decider = step('policy does not load', () => createDecider(source.text, cfg.profile));
  const register = await stepAsync('register backend unavailable', async () => {
    const r = await openRegister(cfg.register);
    // Backends connect lazily: probe now, so a missing one is named as such, not as a log problem.
    if (r.readable !== false)
      await r.read().catch(async (err: unknown) => {
        await r.close().catch(() => undefined);
        throw err;
      });
    return r;
  });
  const log = await stepAsync('measurement log cannot be recovered', () =>
    MeasurementLog.open({ path: cfg.logPath, register, keepRecoveredRecords: true }),
  );
  let listener: NetServer | undefined;
  let metricsServer: HttpServer | undefined;
  try {
    let initdataDigest = '';
    if (source.initdata !== undefined) {
      initdataDigest = `${source.initdata.algorithm.name}:${hex(initDataDigest(source.initdata))}`;
      if (log.nextSequence === 0) await bindInitData(log, source.initdata, hardware(register));
    }
    // Before the new policy event: a SetPolicy policy continues, and the state continues from the
    // log only under the same policy.
    let origin: string = source.origin;
    const restored = step('policy state cannot be rebuilt from the log', () => {
      const records = log.takeRecoveredRecords();
      const kept = continuedPolicy(records, cfg.logPath);
      if (kept !== undefined) {
        decider = step('the SetPolicy policy does not load', () => createDecider(kept, cfg.profile));
        origin = CONTINUED_SOURCE;
      }
      const patches = statePatches(records, decider.digest);
      decider.restore(patches);
      return patches.length;
    });
    await log.appendEvent(WARD_DOMAIN, OP_POLICY, policyEventContent(decider.digest, origin));
    const metrics = new ProxyMetrics();
    const proxy = new AgentProxy({
      decider,
      profile: KATA_POLICY_PROFILES[cfg.profile]!,
      log,
      metrics,
      dial: () => connect(cfg.agent),
      ...(logger === undefined ? {} : { logger }),
      ...(cfg.identityDir === '' ? {} : { identity: new StoreIdentitySink(cfg.identityDir, initdataDigest) }),
      keepPolicy: (text: string) => keepPolicy(cfg.logPath, text),
    });
    const l = await listen(cfg.listen);
    listener = l;
    proxy.serve(l);
    if (cfg.metrics !== '') {
      metricsServer = await serveMetrics(cfg.metrics, metrics).catch((err: unknown) => {
        throw new ProxyError(
          'ERR_PROXY_CONFIG',
          `metrics: cannot serve ${cfg.metrics}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      });
    }
    logger?.info(
      {
        listen: cfg.listen,
        agent: cfg.agent,
        policy: decider.digest,
        origin,
        seq: log.nextSequence,
        // What recovery did on open: completed or discarded pending events, torn bytes cut.
        recovery: log.recovery,
        // Policy-state patches replayed from the log (0 on a first start or a new policy).
        restored,
      },
      'ward-agent-proxy serving',
    );
    const m = metricsServer;
    return {
      proxy,
      log,
      listener: l,
      metricsServer: m,
      async close() {
        l.close();
        m?.close();
        await proxy.close();
        await log.close();
      },
    };
  } catch (err) {
    listener?.close();
    metricsServer?.close();
    await log.close();
    throw err instanceof ProxyError
      ? err
      : new ProxyError('ERR_PROXY_CONFIG', (err as Error).message, { cause: err });
  }
}

function hardware(register: Register): { tdx?: TdxRegister; tpm?: TpmRegister } {
  if (register instanceof TdxRegister) return { tdx: register };
  if (register instanceof TpmRegister) return { tpm: register };
  return {};
}

function step<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ProxyError('ERR_PROXY_CONFIG', `${what}: ${(err as Error).message}`, { cause: err });
  }
}

async function stepAsync<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new ProxyError('ERR_PROXY_CONFIG', `${what}: ${(err as Error).message}`, { cause: err });
  }
}
