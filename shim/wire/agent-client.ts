import type { Socket } from 'node:net';
import { AGENT_SERVICE } from '../../proto/index.js';
import { Client } from '../../proto/ttrpc/index.js';
import type { AgentCallOptions, AgentClient, AgentMessage } from '../drivers/types.js';
import { ShimError } from '../errors.js';
import { decodeMessage, encodeMessage, methodTypes } from './codec.js';

/**
 * The Kata agent API over one ttrpc connection: requests are encoded with ward/proto from
 * agent.proto field names and sent to `grpc.AgentService/<method>`. A failure keeps the agent's
 * TtrpcError as `cause` (its gRPC code reaches containerd through status.ts).
 */
export class TtrpcAgentClient implements AgentClient {
  private readonly client: Client;
  private readonly defaultTimeoutMs: number;

  /** @param socket a connected stream to the agent. @param defaultTimeoutMs for non-blocking calls. */
  constructor(socket: Socket, defaultTimeoutMs: number) {
    this.client = new Client(socket);
    this.defaultTimeoutMs = defaultTimeoutMs;
  }

  /** Calls whose answer waits for the workload, so no deadline applies. */
  static readonly BLOCKING = new Set(['WaitProcess', 'ReadStdout', 'ReadStderr', 'GetOOMEvent']);

  async call(method: string, request: AgentMessage, opts: AgentCallOptions = {}): Promise<AgentMessage> {
    const { request: reqType, response: resType } = methodTypes(AGENT_SERVICE, method);
    const payload = encodeMessage(reqType, request);
    const timeoutMs =
      opts.timeoutMs ?? (TtrpcAgentClient.BLOCKING.has(method) ? undefined : this.defaultTimeoutMs);
    try {
      const out = await this.client.call(
        AGENT_SERVICE,
        method,
        payload,
        timeoutMs === undefined ? {} : { timeoutMs },
      );
      return decodeMessage(resType, out);
    } catch (err) {
      throw new ShimError(`agent ${method}: ${(err as Error).message}`, 'ERR_SHIM_AGENT', { cause: err });
    }
  }

  close(): void {
    this.client.close();
  }

  /** Registers a callback for when the agent connection drops. */
  onClose(listener: () => void): void {
    this.client.addCloseListener(() => listener());
  }
}
