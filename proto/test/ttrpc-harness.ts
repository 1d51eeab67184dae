import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Client,
  encodeHeader,
  encodeRequest,
  FrameReader,
  type KeyValue,
  Server,
  type ServiceDefinition,
} from '../ttrpc/index.js';

/** A frame as a raw peer sees it. */
export interface RawFrame {
  readonly streamId: number;
  readonly type: number;
  readonly flags: number;
  readonly body: Buffer;
  readonly oversizedLength?: number;
}

/** A socket that speaks frames by hand, to test what well-behaved clients never send. */
export class RawPeer {
  readonly socket: Socket;
  private readonly frames: RawFrame[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(socket: Socket) {
    this.socket = socket;
    const reader = new FrameReader({
      onFrame: (streamId, type, flags, body) => this.add({ streamId, type, flags, body: Buffer.from(body) }),
      onOversized: (streamId, type, flags, length) =>
        this.add({ streamId, type, flags, body: Buffer.alloc(0), oversizedLength: length }),
    });
    socket.on('data', (c: Buffer) => reader.push(c));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** Writes one frame with an arbitrary header. */
  send(streamId: number, type: number, flags: number, body: Uint8Array, length = body.length): void {
    this.socket.write(encodeHeader({ length, streamId, type, flags }));
    if (body.length > 0) this.socket.write(body);
  }

  /** Writes a Request frame. */
  request(
    streamId: number,
    service: string,
    method: string,
    payload: Uint8Array,
    opts: { flags?: number; timeoutNano?: number; metadata?: KeyValue[] } = {},
  ): void {
    const body = encodeRequest({
      service,
      method,
      payload,
      timeoutNano: opts.timeoutNano ?? 0,
      metadata: opts.metadata ?? [],
    });
    this.send(streamId, 1, opts.flags ?? 0, body);
  }

  /** The next frame received (waits up to `ms`). */
  async next(ms = 5000): Promise<RawFrame> {
    const deadline = Date.now() + ms;
    while (this.frames.length === 0) {
      if (this.closed) throw new Error('raw peer: connection closed');
      if (Date.now() > deadline) throw new Error('raw peer: no frame in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.shift()!;
  }

  /** Resolves once the peer closed the connection. */
  async waitClosed(ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('raw peer: still open');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private add(f: RawFrame): void {
    this.frames.push(f);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** A Ward server on a unix socket in a fresh temporary directory. */
export class Harness {
  readonly dir = mkdtempSync(join(tmpdir(), 'ward-ttrpc-'));
  readonly path = join(this.dir, 'ttrpc.sock');
  readonly server = new Server();
  private readonly clients: Client[] = [];
  private readonly sockets: Socket[] = [];

  constructor(services: Record<string, ServiceDefinition> = {}) {
    for (const [name, def] of Object.entries(services)) this.server.register(name, def);
  }

  async start(): Promise<this> {
    const listener = createServer();
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.path, () => resolve());
    });
    this.server.serve(listener);
    return this;
  }

  async socket(): Promise<Socket> {
    const s = netConnect(this.path);
    this.sockets.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('error', reject);
    });
    return s;
  }

  async client(): Promise<Client> {
    const c = new Client(await this.socket());
    this.clients.push(c);
    return c;
  }

  async raw(): Promise<RawPeer> {
    return new RawPeer(await this.socket());
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.close();
    for (const s of this.sockets) s.destroy();
    await this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Bytes of a UTF-8 string. */
export function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** A UTF-8 string from bytes. */
export function text(b: Uint8Array | undefined): string {
  return b === undefined ? '<end>' : Buffer.from(b).toString('utf8');
}
