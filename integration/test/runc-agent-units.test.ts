import assert from 'node:assert/strict';
import { closeSync, fstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StatusCode } from '../../proto/ttrpc/index.js';
import { AgentError, GuestPaths, parseListenAddress, toStatus } from '../runc-agent/index.js';
import { toRuntimeSpec } from '../runc-agent/runtime/index.js';
import { parseRuncJson, toCgroupStats } from '../runc-agent/runtime/stats.js';
import { decodeWaitStatus, pipe } from '../sys/index.js';
import { kataSpec } from './runc-agent-fixtures.js';

test('wait statuses: exit codes and 128 + signal', () => {
  assert.deepEqual(decodeWaitStatus(3 << 8), { code: 3 });
  assert.deepEqual(decodeWaitStatus(0), { code: 0 });
  assert.deepEqual(decodeWaitStatus(9), { code: 137, signal: 9 });
  assert.deepEqual(decodeWaitStatus(15 | 0x80), { code: 143, signal: 15 });
});

test('guest paths stay under the root, also through symbolic links', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-paths-'));
  try {
    mkdirSync(join(dir, 'run'));
    symlinkSync('/etc', join(dir, 'run/evil'));
    const g = new GuestPaths(dir);
    assert.equal(g.resolve('/run/ok/x', 'f'), join(dir, 'run/ok/x'));
    assert.throws(
      () => g.resolve('/run/evil/shadow', 'OCI.Mounts[0].source'),
      (e: AgentError) => /OCI\.Mounts\[0\]\.source: .* leaves the guest root/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('guest paths stay under the root', () => {
  const p = new GuestPaths('/srv/g');
  assert.equal(
    p.resolve('/run/kata-containers/shared/containers/a/rootfs', 'f'),
    '/srv/g/run/kata-containers/shared/containers/a/rootfs',
  );
  assert.equal(p.resolve('/../../etc/shadow', 'f'), '/srv/g/etc/shadow');
  assert.throws(
    () => p.resolve('etc', 'OCI.Root.Path'),
    (e: AgentError) => e.kind === 'INVALID_ARGUMENT' && /OCI\.Root\.Path/.test(e.message),
  );
});

test("listen addresses use Ward's address syntax; a bare path is a unix socket", () => {
  assert.deepEqual(parseListenAddress('unix:///run/a.sock'), {
    kind: 'unix',
    path: '/run/a.sock',
    abstract: false,
  });
  assert.deepEqual(parseListenAddress('/run/a.sock'), { kind: 'unix', path: '/run/a.sock', abstract: false });
  assert.equal(parseListenAddress('tcp://127.0.0.1:0').kind, 'tcp');
  assert.equal(parseListenAddress('vsock://-1:1024').kind, 'vsock');
  assert.equal(parseListenAddress('hvsock:///run/kata.hvsock:1024').kind, 'hvsock');
  for (const bad of ['unix://rel', 'tcp://h:99999', 'http://x', 'rel/path']) {
    assert.throws(
      () => parseListenAddress(bad),
      (e: AgentError) => e.kind === 'INVALID_ARGUMENT',
      bad,
    );
  }
});

test('the Kata oci.proto spec becomes a runtime-spec config the kata-agent way', () => {
  const paths = new GuestPaths('/g');
  const spec = kataSpec('/run/kata-containers/shared/containers/c/rootfs', ['sh']);
  (spec['Mounts'] as unknown[]).push({
    destination: '/data',
    source: '/run/kata-containers/shared/containers/c-vol',
    type: 'bind',
    options: ['rbind'],
  });
  const r = toRuntimeSpec(spec, {
    paths,
    ipcPath: '/g/ns/ipc',
    utsPath: '/g/ns/uts',
    pidPath: '/proc/42/ns/pid',
    cgroupsPath: '/ward/s/c',
  });
  const cfg = r.config as {
    root: { path: string };
    mounts: { destination: string; source: string }[];
    linux: { namespaces: { type: string; path?: string }[]; cgroupsPath: string };
    process: { args: string[]; cwd: string };
  };
  assert.equal(cfg.root.path, '/g/run/kata-containers/shared/containers/c/rootfs');
  assert.equal(
    cfg.mounts.find((m) => m.destination === '/data')?.source,
    '/g/run/kata-containers/shared/containers/c-vol',
  );
  assert.equal(cfg.mounts.find((m) => m.destination === '/proc')?.source, 'proc');
  assert.deepEqual(cfg.linux.namespaces, [
    { type: 'ipc', path: '/g/ns/ipc' },
    { type: 'uts', path: '/g/ns/uts' },
    { type: 'mount' },
    { type: 'pid', path: '/proc/42/ns/pid' },
  ]);
  assert.equal(cfg.linux.cgroupsPath, '/ward/s/c');
  assert.deepEqual(cfg.process.args, ['sh']);
  assert.equal(cfg.process.cwd, '/');
});

test('malformed specs name the field at fault', () => {
  const ctx = { paths: new GuestPaths('/g'), cgroupsPath: '/ward/s/c' };
  const cases: [Record<string, unknown> | undefined, RegExp][] = [
    [undefined, /^OCI: is required/],
    [{ ...kataSpec('/r', ['sh']), Linux: null }, /OCI\.Linux/],
    [{ ...kataSpec('/r', ['sh']), Process: null }, /OCI\.Process: is required/],
    [kataSpec('/r', []), /OCI\.Process\.Args/],
    [{ ...kataSpec('/r', ['sh']), Root: { Path: '' } }, /OCI\.Root\.Path/],
    [
      { ...kataSpec('/r', ['sh']), Mounts: [{ destination: 'rel', source: 'x', type: 'tmpfs' }] },
      /OCI\.Mounts\[0\]\.destination/,
    ],
    [
      { ...kataSpec('/r', ['sh']), Linux: { Namespaces: [{ Type: 'bogus' }] } },
      /OCI\.Linux\.Namespaces\[0\]\.Type/,
    ],
    [
      { ...kataSpec('/r', ['sh']), Process: { Args: ['sh'], Rlimits: [{ Type: 'NOFILE' }] } },
      /Rlimits\[0\]\.Type/,
    ],
    [{ ...kataSpec('/r', ['sh']), Process: { Args: 'sh' } }, /OCI\.Process\.Args: must be a list/],
    [
      {
        ...kataSpec('/r', ['sh']),
        Mounts: [{ destination: '/x', source: 'overlay', type: 'overlay', options: ['lowerdir=/etc'] }],
      },
      /OCI\.Mounts\[0\]\.type/,
    ],
    [
      {
        ...kataSpec('/r', ['sh']),
        Linux: { Devices: [{ Path: '/dev/sda', Type: 'b', Major: 8, Minor: 0 }] },
      },
      /OCI\.Linux\.Devices\[0\]\.Path/,
    ],
  ];
  for (const [spec, re] of cases) {
    assert.throws(
      () => toRuntimeSpec(spec, ctx),
      (e: AgentError) => e.kind === 'INVALID_ARGUMENT' && re.test(e.message),
      String(re),
    );
  }
});

test('runc stats keep uint64 figures exact', () => {
  const ev = parseRuncJson(
    '{"type":"stats","data":{"memory":{"usage":{"usage":4096,"limit":9223372036854771712}},"pids":{"current":2}}}',
  );
  const s = toCgroupStats(ev['data'] as Record<string, unknown>) as {
    memory_stats: { usage: { limit: bigint; usage: bigint } };
    pids_stats: { current: bigint };
  };
  assert.equal(s.memory_stats.usage.limit, 9223372036854771712n);
  assert.equal(s.memory_stats.usage.usage, 4096n);
  assert.equal(s.pids_stats.current, 2n);
});

test('agent errors map to the kata-agent status codes in one place', () => {
  assert.equal(toStatus(new AgentError('NOT_FOUND', 'x')).grpcCode, StatusCode.NOT_FOUND);
  assert.equal(toStatus(new AgentError('ALREADY_EXISTS', 'x')).grpcCode, StatusCode.ALREADY_EXISTS);
  assert.equal(toStatus(new AgentError('INVALID_ARGUMENT', 'x')).grpcCode, StatusCode.INVALID_ARGUMENT);
  assert.equal(toStatus(new Error('boom')).grpcCode, StatusCode.INTERNAL);
  assert.equal(toStatus(new Error('boom')).message, 'boom');
});

test('pipes are real pipes with close-on-exec ends', () => {
  const p = pipe();
  try {
    assert.ok(fstatSync(p.read).isFIFO() && fstatSync(p.write).isFIFO());
    for (const fd of [p.read, p.write]) {
      const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0';
      assert.ok(Number.parseInt(flags, 8) & 0o2000000, `fd ${fd} is close-on-exec`);
    }
  } finally {
    closeSync(p.read);
    closeSync(p.write);
  }
});
