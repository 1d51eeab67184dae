import type { Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import {
  type AppendResult,
  type MeasurementLog,
  OP_POLICY,
  policyEventContent,
  WARD_DOMAIN,
} from '../measure/index.js';
import { AGENT_SERVICE, findMethod, HEALTH_SERVICE, type KataPolicyProfile } from '../proto/index.js';
import { type CallContext, type RawResponse, Server } from '../proto/ttrpc/index.js';
import { type Admission, admit, type InstalledPolicy } from './admission.js';
import type { PolicyDecider } from './decider.js';
import { ProxyError } from './errors.js';
import { requestEventContent } from './event.js';
import { type Dialer, Forwarder } from './forwarder.js';
import { ProxyMetrics } from './metrics.js';
import { SET_POLICY_SOURCE } from './restore.js';
import { toTtrpcError } from './status.js';

/** Where the proxy reports each container it let the agent create (the identity registry). */
export interface IdentitySink {
  /** A container the agent created under the policy. */
  record(entry: CreatedContainer): Promise<void>;
  /** A container the agent removed: it no longer has an identity. */
  forget(containerId: string): Promise<void>;
}

/** What the proxy knows about a container once the agent created it. */
export interface CreatedContainer {
  /** The decoded CreateContainerRequest. */
  readonly request: unknown;
  readonly policyDigest: string;
  /** The log record of its CreateContainer event. */
  readonly measured: AppendResult;
}

/** Everything an {@link AgentProxy} works with; the caller owns (and closes) the log. */
export interface AgentProxyOptions {
  readonly decider: PolicyDecider;
  /** Which kata-agent generation's policy-input shape the policy is written for. */
  readonly profile: KataPolicyProfile;
  readonly log: MeasurementLog;
  /** How to reach the agent. */
  readonly dial: Dialer;
  readonly metrics?: ProxyMetrics;
  readonly logger?: Logger;
  readonly identity?: IdentitySink;
  /**
   * Keeps an accepted SetPolicy text durably, before its policy event is logged, so that a
   * restart continues it (policy-keeper.ts). Without it a restart returns to the configured policy.
   */
  readonly keepPolicy?: (text: string) => void;
}

const EMPTY = new Uint8Array(0);
// The kata-agent answers a denied stdout/stderr read with an empty (EOF-like) response.
const READ_STREAM_METHODS = new Set(['ReadStdout', 'ReadStderr']);

/**
 * ward-agent-proxy's request path: a ttrpc server that takes every Kata agent request through
 * decode → policy → durable log record → forward (or refusal), in arrival order.
 */
export class AgentProxy {
  /** The ttrpc server; serve it on any Ward listener. */
  readonly server = new Server();
  readonly metrics: ProxyMetrics;
  private readonly forwarder: Forwarder;
  /** Requests between arrival and answer: with none but the current one, its commit need not wait for others. */
  private inFlight = 0;

  constructor(private readonly opts: AgentProxyOptions) {
    this.metrics = opts.metrics ?? new ProxyMetrics();
    this.forwarder = new Forwarder(opts.dial);
    this.server.setFallback((payload, ctx) => this.handle(payload, ctx));
  }

  /** Serves connections accepted by `listener`. */
  serve(listener: NetServer): void {
    this.server.serve(listener);
  }

  /** Serves one already-connected stream (a hybrid-vsock muxer hands these over). */
  handleConnection(socket: Duplex): void {
    this.server.handleConnection(socket);
  }

  /** Stops taking requests, lets in-flight ones answer, then drops the agent connection. */
  async close(): Promise<void> {
    await this.server.shutdown();
    this.forwarder.close();
  }

  // Agent requests go straight to agentRequest, which counts itself in flight and converts its
  // errors: every async layer between the server and the answer is a few more trips through
  // the microtask queue on every request.
  private handle(payload: Uint8Array, ctx: CallContext): Promise<Uint8Array | RawResponse> {
    return ctx.service === AGENT_SERVICE ? this.agentRequest(payload, ctx) : this.otherRequest(payload, ctx);
  }

  private async otherRequest(payload: Uint8Array, ctx: CallContext): Promise<RawResponse> {
    this.inFlight++;
    try {
      if (ctx.service === HEALTH_SERVICE) return await this.health(payload, ctx);
      this.metrics.count(`${ctx.service}/${ctx.method}`, 'error');
      throw new ProxyError('ERR_PROXY_UNKNOWN_METHOD', `unknown service ${ctx.service}`);
    } catch (err) {
      throw toTtrpcError(err);
    } finally {
      this.inFlight--;
    }
  }

  // Health is how runtimes probe liveness: forwarded and counted, not policy-checked or logged.
  private health(payload: Uint8Array, ctx: CallContext): Promise<RawResponse> {
    this.metrics.count(ctx.method, 'health');
    if (findMethod(HEALTH_SERVICE, ctx.method) === undefined) {
      throw new ProxyError('ERR_PROXY_UNKNOWN_METHOD', `unknown method ${HEALTH_SERVICE}/${ctx.method}`);
    }
    return this.forward(payload, ctx);
  }

  private async agentRequest(payload: Uint8Array, ctx: CallContext): Promise<Uint8Array | RawResponse> {
    this.inFlight++;
    try {
      const started = performance.now();
      // admit() and the appends below run in one synchronous turn: arrival order is decision
      // order is log order, and the log commits (and resolves) in that order too.
      const a = admit(this.opts.decider, this.opts.profile, ctx.method, payload);
      const decided = performance.now();
      let measured: AppendResult;
      try {
        // A request alone, with the log in memory, is committed before append returns: it goes
        // on to its forward without waiting for a turn of the microtask queue.
        const now = this.inFlight === 1 && installedBy(a) === undefined && this.opts.log.commitsNow;
        measured = now ? this.appendNow(a) : await this.append(a);
      } catch (err) {
        this.metrics.count(ctx.method, 'error');
        this.opts.logger?.error({ method: ctx.method, err }, 'request not measured; refused');
        throw new ProxyError(
          'ERR_PROXY_MEASURE',
          `${a.event.requestName}: not measured, so not forwarded: ${msg(err)}`,
          {
            cause: err,
          },
        );
      }
      this.metrics.observeDecision(ctx.method, (decided - started) / 1000);
      this.metrics.observeAppend(ctx.method, (performance.now() - decided) / 1000);
      switch (a.kind) {
        case 'deny':
          return this.refuse(a, ctx.method, measured);
        case 'set-policy':
          this.metrics.count(ctx.method, 'allowed');
          this.opts.logger?.info(
            { policy: a.installed.digest, seq: measured.sequence },
            'policy replaced by SetPolicy',
          );
          return EMPTY;
        case 'allow': {
          this.metrics.count(ctx.method, 'allowed');
          const response = await this.forward(payload, ctx);
          // Only what the agent did (an OK answer) changes which containers have an identity.
          if (response.ok && ctx.method === 'CreateContainer') {
            this.recordIdentity(a.decoded, a.event.policyDigest, measured);
          }
          if (response.ok && ctx.method === 'RemoveContainer') this.forgetIdentity(a.decoded);
          return response;
        }
      }
    } catch (err) {
      throw toTtrpcError(err);
    } finally {
      this.inFlight--;
    }
  }

  private appendNow(a: Admission): AppendResult {
    return this.opts.log.appendEventNow(WARD_DOMAIN, a.event.method, requestEventContent(a.event), {
      lossless: true,
    });
  }

  private append(a: Admission): Promise<AppendResult> {
    let durable: Promise<AppendResult>;
    try {
      durable = this.opts.log.appendEvent(WARD_DOMAIN, a.event.method, requestEventContent(a.event), {
        alone: this.inFlight === 1,
        lossless: true,
      });
    } catch (err) {
      return Promise.reject(err);
    }
    const installed = installedBy(a);
    if (installed === undefined) return durable;
    try {
      this.opts.keepPolicy?.(installed.text);
    } catch (err) {
      // The policy is in force already; the log will name a policy whose text a restart cannot
      // find, and that restart refuses to start (fail closed) rather than fall back.
      this.opts.logger?.error({ err }, 'cannot keep the SetPolicy text; a restart will refuse to start');
    }
    const policyEvent = this.opts.log.appendEvent(
      WARD_DOMAIN,
      OP_POLICY,
      policyEventContent(installed.digest, SET_POLICY_SOURCE),
    );
    return Promise.all([durable, policyEvent]).then(([request]) => request);
  }

  private refuse(a: Admission & { kind: 'deny' }, method: string, measured: AppendResult): Uint8Array {
    const denied = a.error.code === 'ERR_PROXY_DENIED';
    this.metrics.count(method, denied ? 'denied' : 'error');
    this.opts.logger?.warn({ method, seq: measured.sequence, reason: a.error.message }, 'request refused');
    if (a.installed !== undefined) {
      this.opts.logger?.error(
        { policy: a.installed.digest, seq: measured.sequence },
        'policy replaced by SetPolicy with a text that does not compile: every request is now refused',
      );
    }
    if (denied && READ_STREAM_METHODS.has(method)) return EMPTY;
    throw a.error;
  }

  // The agent's answer, error statuses included, is relayed as received; only failing to get
  // an answer at all (connection, deadline, malformed frame) is a forward error.
  private forward(payload: Uint8Array, ctx: CallContext): Promise<RawResponse> {
    return this.forwarder.call(ctx, payload).catch((err: unknown) => {
      this.metrics.countForwardError();
      throw err;
    });
  }

  private forgetIdentity(request: unknown): void {
    const sink = this.opts.identity;
    const id = (request as { container_id?: unknown }).container_id;
    if (sink === undefined || typeof id !== 'string' || id === '') return;
    sink.forget(id).catch((err: unknown) => {
      this.opts.logger?.error({ err, id }, 'cannot forget container identity');
    });
  }

  private recordIdentity(request: unknown, policyDigest: string, measured: AppendResult): void {
    const sink = this.opts.identity;
    if (sink === undefined) return;
    sink.record({ request, policyDigest, measured }).catch((err: unknown) => {
      this.opts.logger?.error({ err }, 'cannot record container identity');
    });
  }
}

// The policy a SetPolicy put in force with this request, whose digest is logged after it.
function installedBy(a: Admission): InstalledPolicy | undefined {
  return a.kind === 'allow' ? undefined : a.installed;
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
