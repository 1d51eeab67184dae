import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from '../../proto/index.js';
import {
  isSandboxContainer,
  parseShimFlags,
  parseStartInput,
  podSocketPath,
  sandboxGroup,
  stripUnix,
} from '../index.js';

test('Go-style flags as containerd 1.6 and 2.x pass them', () => {
  const f = parseShimFlags([
    '-namespace',
    'k8s.io',
    '-address',
    '/run/containerd/containerd.sock',
    '-publish-binary',
    '/usr/bin/containerd',
    '-id',
    'abc',
    '-debug',
    'start',
  ]);
  assert.equal(f.namespace, 'k8s.io');
  assert.equal(f.address, '/run/containerd/containerd.sock');
  assert.equal(f.publishBinary, '/usr/bin/containerd');
  assert.equal(f.id, 'abc');
  assert.equal(f.debug, true);
  assert.equal(f.action, 'start');
  const d = parseShimFlags(['--namespace=n', '-id', 'x', '-bundle', '/b', 'delete']);
  assert.deepEqual([d.namespace, d.id, d.bundle, d.action, d.debug], ['n', 'x', '/b', 'delete', false]);
  assert.equal(parseShimFlags(['-v']).version, true);
  assert.throws(() => parseShimFlags(['-bogus', 'x', 'start']), /flag provided but not defined: -bogus/);
  assert.throws(() => parseShimFlags(['-id']), /flag needs an argument: -id/);
});

test('stdin: empty, runtime options Any, BootstrapParams, other types and garbage', () => {
  assert.deepEqual(parseStartInput(new Uint8Array(), 'c', 'ns'), { form: 'empty' });
  const opts = encode('runtimeoptions.v1.Options', {
    type_url: '',
    config_path: '/etc/ward/alt.toml',
  } as never);
  const any = encode('google.protobuf.Any', { type_url: 'runtimeoptions.v1.Options', value: opts } as never);
  assert.deepEqual(parseStartInput(any, 'c', 'ns'), { form: 'options', configPath: '/etc/ward/alt.toml' });
  // containerd 2.3 BootstrapParams: instance_id 1, namespace 2, ttrpc 5, grpc 6, extensions 8 {Any value = 1}, socket_dir 9.
  const ext = Buffer.concat([Buffer.from([0x0a, any.length]), Buffer.from(any)]);
  const field = (no: number, b: Buffer): Buffer => Buffer.concat([Buffer.from([(no << 3) | 2, b.length]), b]);
  const params = Buffer.concat([
    field(1, Buffer.from('c')),
    field(2, Buffer.from('ns')),
    field(5, Buffer.from('/run/containerd/containerd.sock.ttrpc')),
    field(8, ext),
    field(9, Buffer.from('/run/s')),
  ]);
  assert.deepEqual(parseStartInput(params, 'c', 'ns'), {
    form: 'bootstrap',
    configPath: '/etc/ward/alt.toml',
    ttrpcAddress: '/run/containerd/containerd.sock.ttrpc',
    socketDir: '/run/s',
  });
  // The same bytes with another id are not BootstrapParams: read as an Any they are refused.
  assert.throws(() => parseStartInput(params, 'other', 'ns'), /unsupported runtime options type/);
  const foreign = encode('google.protobuf.Any', {
    type_url: 'containerd.runc.v1.Options',
    value: new Uint8Array(),
  } as never);
  assert.throws(
    () => parseStartInput(foreign, 'c', 'ns'),
    /unsupported runtime options type containerd\.runc\.v1\.Options/,
  );
  assert.throws(
    () => parseStartInput(Buffer.from([0xff, 0xff, 0xff]), 'c', 'ns'),
    /runtime options|protobuf/,
  );
});

test('grouping by annotation and the pod socket address', () => {
  assert.equal(sandboxGroup('c1', {}), 'c1');
  assert.equal(sandboxGroup('c1', { 'io.kubernetes.cri.sandbox-id': 'pod' }), 'pod');
  assert.equal(
    sandboxGroup('c1', { 'io.kubernetes.cri.sandbox-id': 'pod', 'io.containerd.runc.v2.group': 'g' }),
    'g',
  );
  assert.equal(isSandboxContainer('pod', { 'io.kubernetes.cri.container-type': 'sandbox' }), true);
  assert.equal(isSandboxContainer('c1', { 'io.kubernetes.cri.container-type': 'container' }), false);
  const a = podSocketPath('/run/containerd/s', '/run/containerd/containerd.sock', 'k8s.io', 'pod');
  assert.match(a, /^\/run\/containerd\/s\/[0-9a-f]{64}$/);
  assert.notEqual(a, podSocketPath('/run/containerd/s', '/tmp/other.sock', 'k8s.io', 'pod'));
  assert.notEqual(a, podSocketPath('/run/containerd/s', '/run/containerd/containerd.sock', 'default', 'pod'));
  assert.ok(a.length < 108);
  assert.equal(stripUnix('unix:///run/x.sock'), '/run/x.sock');
  assert.equal(stripUnix('/run/x.sock'), '/run/x.sock');
});
