import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decode, encode, TASK_SERVICE } from '../../proto/index.js';
import { Client, StatusCode, TtrpcError } from '../../proto/ttrpc/index.js';

// Ward's ttrpc client and schemas against Debian's containerd-shim-runc-v2 (containerd 1.6),
// started exactly as containerd starts a shim: `start` with the namespace/address/publisher/id/
// bundle flags, TTRPC_ADDRESS in the environment, the bundle as working directory and a `log`
// FIFO in it. `start` forks the long-lived shim, prints its socket address and exits. Everything
// lives in a mkdtemp directory except the socket, which shim 1.6 always puts under
// /run/containerd/s/<hash> (not configurable); the test removes it.
const SHIM = '/usr/bin/containerd-shim-runc-v2';
const CONTAINERD = '/usr/bin/containerd';
const NOT_FOUND = 5;
const SHIM_EXIT_POLLS = 200;
const SHIM_EXIT_POLL_MS = 25;
const START_TIMEOUT_MS = 30_000;

const skipReason =
  process.getuid?.() !== 0
    ? 'needs root (the runc shim manages cgroups and /run/containerd/s)'
    : !existsSync(SHIM)
      ? `${SHIM} not installed`
      : '';

let dir = '';
let socketPath = '';
let shimPid = 0;
let logText = '';
let logStream: ReturnType<typeof createReadStream> | undefined;
const sockets: Socket[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function openSocket(): Promise<Socket> {
  const socket = connect(socketPath);
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

before(async () => {
  if (skipReason) return;
  dir = await mkdtemp(join(tmpdir(), 'ward-shim-runc-'));
  const bundle = join(dir, 'bundle');
  await mkdir(bundle);
  // The runc shim reads the bundle's config.json at start (sandbox grouping annotations).
  await writeFile(join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', annotations: {} }));
  const mk = spawnSync('mkfifo', [join(bundle, 'log')]);
  assert.equal(mk.status, 0, `mkfifo: ${mk.stderr}`);
  const log = createReadStream(join(bundle, 'log'), { encoding: 'utf8' });
  logStream = log;
  log.on('data', (chunk) => {
    logText += chunk;
  });
  log.on('error', () => {});
  const id = `ward-${process.pid}-${Date.now()}`;
  // containerd writes the runtime options to the shim's stdin as a google.protobuf.Any and closes
  // it; the runc shim reads stdin to the end before it forks, so stdin must reach EOF.
  const options = encode('google.protobuf.Any', {
    type_url: 'containerd.runc.v1.Options',
    value: encode('containerd.runc.v1.Options', { root: join(dir, 'runc-root') }),
  });
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      SHIM,
      [
        '-namespace',
        `ward-test-${process.pid}`,
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
      {
        cwd: bundle,
        env: { ...process.env, TTRPC_ADDRESS: join(dir, 'containerd.sock.ttrpc') },
        timeout: START_TIMEOUT_MS,
      },
      (err, out, errOut) => (err ? reject(new Error(`shim start: ${err.message} ${errOut}`)) : resolve(out)),
    );
    child.stdin?.end(options);
  });
  const address = stdout.trim();
  assert.match(address, /^unix:\/\//, `shim printed ${JSON.stringify(stdout)}`);
  socketPath = address.slice('unix://'.length);
  // containerd keeps the address beside the bundle for reconnects; the shim writes it too.
  assert.equal((await readFile(join(bundle, 'address'), 'utf8')).trim(), address);
});

after(async () => {
  for (const s of sockets) s.destroy();
  logStream?.destroy();
  if (shimPid > 0 && alive(shimPid)) process.kill(shimPid, 'SIGKILL');
  if (socketPath) await rm(socketPath, { force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('containerd-shim-runc-v2: Connect, State of an unknown id (NotFound), Shutdown', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const client = new Client(await openSocket());

  const connected = decode(
    'containerd.task.v2.ConnectResponse',
    await client.call(
      TASK_SERVICE,
      'Connect',
      encode('containerd.task.v2.ConnectRequest', { id: 'no-such-task' }),
    ),
  );
  assert.ok(connected.shim_pid > 1, `shim pid ${connected.shim_pid}`);
  assert.equal(connected.task_pid, 0, 'no task runs in a fresh shim');
  shimPid = connected.shim_pid;
  assert.ok(alive(shimPid));

  const state = client.call(
    TASK_SERVICE,
    'State',
    encode('containerd.task.v2.StateRequest', { id: 'no-such-task', exec_id: '' }),
    { timeoutMs: 10_000 },
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
  const raw = await rawUnary('State', encode('containerd.task.v2.StateRequest', { id: 'no-such-task' }));
  const response = decode('ttrpc.Response', raw);
  assert.ok(response.status, 'a status is present');
  assert.equal(response.status.code, NOT_FOUND);
  assert.match(response.status.message, /not found/);
  assert.equal(response.payload.length, 0);

  // Shutdown: the shim may answer or drop the connection as it exits; both are what containerd sees.
  try {
    const empty = await client.call(
      TASK_SERVICE,
      'Shutdown',
      encode('containerd.task.v2.ShutdownRequest', { id: 'x' }),
    );
    assert.deepEqual(decode('google.protobuf.Empty', empty), {});
  } catch (err) {
    assert.ok(err instanceof TtrpcError && err.code === 'ERR_TTRPC_CLOSED', String(err));
  }
  for (let i = 0; i < SHIM_EXIT_POLLS && alive(shimPid) && !isZombie(shimPid); i++) {
    await new Promise((r) => setTimeout(r, SHIM_EXIT_POLL_MS));
  }
  assert.ok(
    !alive(shimPid) || isZombie(shimPid),
    `shim ${shimPid} still running after Shutdown; log:\n${logText}`,
  );
  client.close();
});

/** A process that exited but was not reaped yet (the shim is re-parented away from us). */
function isZombie(pid: number): boolean {
  const r = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' });
  return r.stdout.trim().startsWith('Z');
}

/** One unary call written and read by hand: 10-byte header + ttrpc.Request, stream id 1. */
async function rawUnary(method: string, payload: Uint8Array): Promise<Uint8Array> {
  const socket = await openSocket();
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
