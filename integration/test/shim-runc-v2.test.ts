import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, type ReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  type containerd_types_Envelope,
  decode,
  EVENTS_SERVICE,
  encode,
  type MessageName,
  TASK_SERVICE,
} from '../../proto/index.js';
import { Client, Server, StatusCode, TtrpcError } from '../../proto/ttrpc/index.js';
import { buildBusyboxRootfs } from '../index.js';

// Ward's ttrpc client and schemas against Debian's containerd-shim-runc-v2 (containerd 1.6),
// started exactly as containerd starts a shim: `start` with the namespace/address/publisher/id/
// bundle flags, TTRPC_ADDRESS in the environment, the runtime options on stdin, the bundle as
// working directory and a `log` FIFO in it. `start` forks the long-lived shim, prints its socket
// address and exits. Everything lives in a mkdtemp directory except the socket, which shim 1.6
// always puts under /run/containerd/s/<hash> (not configurable); the tests remove it.
const SHIM = '/usr/bin/containerd-shim-runc-v2';
const CONTAINERD = '/usr/bin/containerd';
const RUNC = '/usr/sbin/runc';
const NOT_FOUND = 5;
const START_TIMEOUT_MS = 30_000;
const POLLS = 400;
const POLL_MS = 25;
const EXIT_CODE = 3;

const skipReason =
  process.getuid?.() !== 0
    ? 'needs root (the runc shim manages cgroups and /run/containerd/s)'
    : !existsSync(SHIM)
      ? `${SHIM} not installed`
      : '';

/** One shim started for a test, and everything to clean up after it. */
interface Shim {
  readonly dir: string;
  readonly bundle: string;
  readonly id: string;
  readonly namespace: string;
  readonly socketPath: string;
  readonly log: () => string;
  pid: number;
}

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A process that exited but was not reaped yet (the shim is re-parented away from us). */
function isZombie(pid: number): boolean {
  const r = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' });
  return r.stdout.trim().startsWith('Z');
}

async function until(cond: () => boolean): Promise<boolean> {
  for (let i = 0; i < POLLS && !cond(); i++) await new Promise((r) => setTimeout(r, POLL_MS));
  return cond();
}

/** `google.protobuf.Any` holding runc shim options with a private runc root. */
function runcOptions(dir: string): Uint8Array {
  return encode('google.protobuf.Any', {
    type_url: 'containerd.runc.v1.Options',
    value: encode('containerd.runc.v1.Options', { root: join(dir, 'runc-root') }),
  });
}

async function startShim(
  name: string,
  configJson: object,
  ttrpcAddress: string,
  dirIn?: string,
): Promise<Shim> {
  const dir = dirIn ?? (await mkdtemp(join(tmpdir(), `ward-shim-runc-${name}-`)));
  const bundle = join(dir, 'bundle');
  await mkdir(bundle, { recursive: true });
  // The runc shim reads the bundle's config.json at start (sandbox grouping annotations).
  await writeFile(join(bundle, 'config.json'), JSON.stringify(configJson));
  const mk = spawnSync('mkfifo', [join(bundle, 'log')]);
  assert.equal(mk.status, 0, `mkfifo: ${mk.stderr}`);
  let logText = '';
  const logStream: ReadStream = createReadStream(join(bundle, 'log'), { encoding: 'utf8' });
  logStream.on('data', (chunk) => {
    logText += String(chunk);
  });
  logStream.on('error', () => {});
  const id = `ward-${name}-${process.pid}`;
  const namespace = `ward-test-${process.pid}`;
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      SHIM,
      [
        '-namespace',
        namespace,
        '-address',
        join(dir, 'containerd.sock'),
        '-publish-binary',
        CONTAINERD,
        '-id',
        id,
        '-bundle',
        bundle,
        'start',
      ],
      { cwd: bundle, env: { ...process.env, TTRPC_ADDRESS: ttrpcAddress }, timeout: START_TIMEOUT_MS },
      (err, out, errOut) => (err ? reject(new Error(`shim start: ${err.message} ${errOut}`)) : resolve(out)),
    );
    // containerd writes the runtime options as an Any and closes stdin; the shim reads to EOF.
    child.stdin?.end(runcOptions(dir));
  });
  const address = stdout.trim();
  assert.match(address, /^unix:\/\//, `shim printed ${JSON.stringify(stdout)}`);
  const shim: Shim = {
    dir,
    bundle,
    id,
    namespace,
    socketPath: address.slice('unix://'.length),
    log: () => logText,
    pid: 0,
  };
  cleanups.push(async () => {
    logStream.destroy();
    if (shim.pid > 0 && alive(shim.pid)) process.kill(shim.pid, 'SIGKILL');
    spawnSync(RUNC, ['--root', join(dir, 'runc-root'), 'delete', '--force', id]);
    await rm(shim.socketPath, { force: true });
    await rm(dir, { recursive: true, force: true });
  });
  // containerd keeps the address beside the bundle for reconnects; the shim writes it too.
  assert.equal((await readFile(join(bundle, 'address'), 'utf8')).trim(), address);
  return shim;
}

async function openSocket(path: string): Promise<Socket> {
  const socket = connect(path);
  cleanups.push(() => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Bytes that Go encoded: Ward must decode them and re-encode the very same bytes. */
function decodeGo<N extends MessageName>(type: N, bytes: Uint8Array): ReturnType<typeof decode<N>> {
  const msg = decode(type, bytes);
  assert.deepEqual([...encode(type, msg as never)], [...bytes], `${type}: Ward re-encodes Go's bytes`);
  return msg;
}

async function call<N extends MessageName>(
  client: Client,
  method: string,
  req: Uint8Array,
  res: N,
): Promise<ReturnType<typeof decode<N>>> {
  return decodeGo(res, await client.call(TASK_SERVICE, method, req, { timeoutMs: START_TIMEOUT_MS }));
}

/** Shutdown: the shim may answer or drop the connection as it exits; both are what containerd sees. */
async function shutdown(client: Client, shim: Shim): Promise<void> {
  try {
    const empty = await client.call(
      TASK_SERVICE,
      'Shutdown',
      encode('containerd.task.v2.ShutdownRequest', { id: shim.id }),
    );
    assert.deepEqual(decode('google.protobuf.Empty', empty), {});
  } catch (err) {
    assert.ok(err instanceof TtrpcError && err.code === 'ERR_TTRPC_CLOSED', String(err));
  }
  const gone = await until(() => !alive(shim.pid) || isZombie(shim.pid));
  assert.ok(gone, `shim ${shim.pid} still running after Shutdown; log:\n${shim.log()}`);
  client.close();
}

test('containerd-shim-runc-v2: Connect, State of an unknown id (NotFound), Shutdown', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const dir = await mkdtemp(join(tmpdir(), 'ward-shim-runc-'));
  const shim = await startShim(
    'basic',
    { ociVersion: '1.0.2', annotations: {} },
    join(dir, 'ttrpc.sock'),
    dir,
  );
  const client = new Client(await openSocket(shim.socketPath));

  const connected = await call(
    client,
    'Connect',
    encode('containerd.task.v2.ConnectRequest', { id: 'no-such-task' }),
    'containerd.task.v2.ConnectResponse',
  );
  assert.ok(connected.shim_pid > 1, `shim pid ${connected.shim_pid}`);
  assert.equal(connected.task_pid, 0, 'no task runs in a fresh shim');
  shim.pid = connected.shim_pid;
  assert.ok(alive(shim.pid));

  const state = client.call(
    TASK_SERVICE,
    'State',
    encode('containerd.task.v2.StateRequest', { id: 'no-such-task' }),
  );
  await assert.rejects(state, (err: unknown) => {
    assert.ok(err instanceof TtrpcError, String(err));
    assert.equal(err.grpcCode, StatusCode.NOT_FOUND);
    assert.equal(err.grpcCodeName, 'NOT_FOUND');
    assert.match(err.message, /not found/);
    return true;
  });

  // The same answer read at the wire level: Ward's schemas decode Go's ttrpc.Response and
  // google.rpc.Status bytes directly.
  const raw = await rawUnary(
    shim.socketPath,
    'State',
    encode('containerd.task.v2.StateRequest', { id: 'no-such-task' }),
  );
  const response = decodeGo('ttrpc.Response', raw);
  assert.ok(response.status, 'a status is present');
  assert.equal(response.status.code, NOT_FOUND);
  assert.match(response.status.message, /not found/);
  assert.equal(response.payload.length, 0);

  await shutdown(client, shim);
});

test('containerd-shim-runc-v2: a busybox task end to end, its events forwarded to a Ward ttrpc server', async (t) => {
  if (skipReason) return t.skip(skipReason);
  if (!existsSync(RUNC)) return t.skip(`${RUNC} not installed`);
  const dir = await mkdtemp(join(tmpdir(), 'ward-shim-runc-task-'));

  // Ward plays containerd's event service: the shim publishes to TTRPC_ADDRESS with Events/Forward.
  const envelopes: containerd_types_Envelope[] = [];
  const events = new Server().register(EVENTS_SERVICE, {
    Forward: (payload) => {
      const { envelope } = decodeGo('containerd.services.events.ttrpc.v1.ForwardRequest', payload);
      assert.ok(envelope);
      envelopes.push(envelope);
      return encode('google.protobuf.Empty', {});
    },
  });
  const listener: NetServer = createServer();
  const eventsSock = join(dir, 'containerd.sock.ttrpc');
  await new Promise<void>((resolve) => listener.listen(eventsSock, resolve));
  events.serve(listener);
  cleanups.push(async () => {
    await events.close();
  });

  // A runc bundle: busybox rootfs and `runc spec`, changed to run `exit 3` without a terminal.
  const bundle = join(dir, 'bundle');
  buildBusyboxRootfs(join(bundle, 'rootfs'));
  execFileSync(RUNC, ['spec'], { cwd: bundle });
  const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as {
    process: { terminal: boolean; args: string[] };
  };
  spec.process.terminal = false;
  spec.process.args = ['/bin/sh', '-c', `exit ${EXIT_CODE}`];
  const shim = await startShim('task', spec, eventsSock, dir);
  const client = new Client(await openSocket(shim.socketPath));

  const created = await call(
    client,
    'Create',
    encode('containerd.task.v2.CreateTaskRequest', {
      id: shim.id,
      bundle: shim.bundle,
      options: {
        type_url: 'containerd.runc.v1.Options',
        value: encode('containerd.runc.v1.Options', { root: join(dir, 'runc-root') }),
      },
    }),
    'containerd.task.v2.CreateTaskResponse',
  );
  assert.ok(created.pid > 1);
  const connected = await call(
    client,
    'Connect',
    encode('containerd.task.v2.ConnectRequest', { id: shim.id }),
    'containerd.task.v2.ConnectResponse',
  );
  shim.pid = connected.shim_pid;
  assert.equal(connected.task_pid, created.pid);

  const created_state = await call(
    client,
    'State',
    encode('containerd.task.v2.StateRequest', { id: shim.id }),
    'containerd.task.v2.StateResponse',
  );
  assert.equal(created_state.status, 1, 'CREATED');
  assert.equal(created_state.pid, created.pid);
  assert.equal(created_state.bundle, shim.bundle);

  const waiting = call(
    client,
    'Wait',
    encode('containerd.task.v2.WaitRequest', { id: shim.id }),
    'containerd.task.v2.WaitResponse',
  );
  const started = await call(
    client,
    'Start',
    encode('containerd.task.v2.StartRequest', { id: shim.id }),
    'containerd.task.v2.StartResponse',
  );
  assert.equal(started.pid, created.pid);
  const waited = await waiting;
  assert.equal(waited.exit_status, EXIT_CODE);
  assert.ok(waited.exited_at && waited.exited_at.seconds > 0n, 'exited_at is set');

  const stopped = await call(
    client,
    'State',
    encode('containerd.task.v2.StateRequest', { id: shim.id }),
    'containerd.task.v2.StateResponse',
  );
  assert.equal(stopped.status, 3, 'STOPPED');
  assert.equal(stopped.exit_status, EXIT_CODE);

  const deleted = await call(
    client,
    'Delete',
    encode('containerd.task.v2.DeleteRequest', { id: shim.id }),
    'containerd.task.v2.DeleteResponse',
  );
  assert.equal(deleted.exit_status, EXIT_CODE);
  assert.equal(deleted.pid, created.pid);

  // Events arrive asynchronously through the shim's publisher.
  const topics = ['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete'];
  const all = await until(() => topics.every((tp) => envelopes.some((e) => e.topic === tp)));
  assert.ok(all, `events: ${envelopes.map((e) => e.topic).join(', ')}; log:\n${shim.log()}`);
  for (const e of envelopes) {
    assert.equal(e.namespace, shim.namespace);
    assert.ok(e.timestamp && e.timestamp.seconds > 0n);
    assert.ok(e.event);
  }
  const payload = (topic: string): { type: string; value: Uint8Array } => {
    const any = envelopes.find((e) => e.topic === topic)?.event;
    assert.ok(any, topic);
    return { type: any.type_url, value: any.value };
  };
  const createEv = payload('/tasks/create');
  assert.equal(createEv.type, 'containerd.events.TaskCreate');
  const taskCreate = decodeGo('containerd.events.TaskCreate', createEv.value);
  assert.equal(taskCreate.container_id, shim.id);
  assert.equal(taskCreate.bundle, shim.bundle);
  assert.equal(taskCreate.pid, created.pid);
  const exitEv = payload('/tasks/exit');
  assert.equal(exitEv.type, 'containerd.events.TaskExit');
  const taskExit = decodeGo('containerd.events.TaskExit', exitEv.value);
  assert.equal(taskExit.container_id, shim.id);
  assert.equal(taskExit.exit_status, EXIT_CODE);
  assert.equal(taskExit.pid, created.pid);
  const startEv = payload('/tasks/start');
  assert.equal(decodeGo('containerd.events.TaskStart', startEv.value).pid, created.pid);
  const deleteEv = payload('/tasks/delete');
  assert.equal(decodeGo('containerd.events.TaskDelete', deleteEv.value).exit_status, EXIT_CODE);

  await shutdown(client, shim);
});

/** One unary call written and read by hand: 10-byte header + ttrpc.Request, stream id 1. */
async function rawUnary(path: string, method: string, payload: Uint8Array): Promise<Uint8Array> {
  const socket = await openSocket(path);
  const body = encode('ttrpc.Request', {
    service: TASK_SERVICE,
    method,
    payload,
    timeout_nano: 5_000_000_000n,
  });
  const header = Buffer.alloc(10);
  header.writeUInt32BE(body.length, 0);
  header.writeUInt32BE(1, 4);
  header.writeUInt8(1, 8); // Request
  socket.write(Buffer.concat([header, body]));
  let buf = Buffer.alloc(0);
  for await (const chunk of socket) {
    buf = Buffer.concat([buf, chunk as Buffer]);
    if (buf.length >= 10 && buf.length >= 10 + buf.readUInt32BE(0)) break;
  }
  assert.equal(buf.readUInt32BE(4), 1, 'response on stream 1');
  assert.equal(buf.readUInt8(8), 2, 'message type Response');
  socket.destroy();
  return buf.subarray(10, 10 + buf.readUInt32BE(0));
}
