import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode, messageType } from '../../proto/index.js';
import { createSandboxRequest, planContainer, sandboxSharesPidNs } from '../index.js';
import { ociToProto } from '../translate/oci-proto.js';

const SPEC = {
  ociVersion: '1.0.2',
  hostname: 'pod-host',
  process: {
    terminal: false,
    user: { uid: 0, gid: 0 },
    args: ['sh'],
    cwd: '/',
    oomScoreAdj: 5,
    selinuxLabel: 'x',
  },
  root: { path: 'rootfs', readonly: true },
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev/shm', type: 'bind', source: '/run/sandbox/shm', options: ['rbind', 'ro'] },
    { destination: '/etc/hosts', type: 'bind', source: '/var/lib/pod/hosts', options: ['rbind', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'bind', source: '/sys/fs/cgroup', options: ['rbind'] },
  ],
  hooks: { prestart: [{ path: '/bin/true' }] },
  linux: {
    namespaces: [
      { type: 'pid', path: '/proc/1/ns/pid' },
      { type: 'network', path: '/proc/1/ns/net' },
      { type: 'ipc' },
      { type: 'cgroup' },
    ],
    resources: {
      devices: [{ allow: false, access: 'rwm' }],
      cpu: { shares: 2, cpus: '0-1' },
      pids: { limit: 5 },
    },
    seccomp: { defaultAction: 'SCMP_ACT_ERRNO' },
    mountLabel: 'y',
    uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
  },
};

test('a container planned as the Kata runtime sends it', () => {
  const plan = planContainer('c1', SPEC, () => 'r4nd');
  const s = plan.spec as typeof SPEC & Record<string, unknown>;
  assert.equal(s.root.path, '/run/kata-containers/shared/containers/c1/rootfs');
  assert.equal(s.root.readonly, true);
  assert.equal(s.hooks, undefined);
  assert.equal((s.linux as Record<string, unknown>)['seccomp'], undefined);
  assert.equal((s.linux as Record<string, unknown>)['mountLabel'], undefined);
  assert.equal((s.process as Record<string, unknown>)['selinuxLabel'], undefined);
  assert.deepEqual(s.linux.namespaces, [{ type: 'ipc', path: '' }]);
  assert.equal(plan.sandboxPidns, true, 'a pid namespace with a path means the sandbox pid namespace');
  assert.deepEqual(s.linux.resources, { cpu: { shares: 2, cpus: '', mems: '' } });
  const hosts = s.mounts.find((m) => m.destination === '/etc/hosts');
  assert.equal(hosts?.source, '/run/kata-containers/shared/containers/c1-r4nd-hosts');
  assert.deepEqual(plan.shares, [{ hostSource: '/var/lib/pod/hosts', name: 'c1-r4nd-hosts' }]);
  const shm = s.mounts.find((m) => m.destination === '/dev/shm');
  assert.equal(shm?.type, 'tmpfs');
  assert.equal(
    s.mounts.find((m) => m.destination === '/sys/fs/cgroup')?.source,
    '/sys/fs/cgroup',
    'system paths are not shared',
  );
  assert.equal(SPEC.root.path, 'rootfs', 'the input spec is not modified');
  assert.throws(
    () => planContainer('c', { mounts: [{ type: 'bind' }] }, () => 'x'),
    /spec\.mounts\[0\]\.destination: required/,
  );
});

test('the planned spec converts to Kata oci.proto and encodes (OCItoGRPC field names)', () => {
  const plan = planContainer('c1', SPEC, () => 'r4nd');
  const oci = ociToProto(messageType('grpc.Spec'), plan.spec);
  const process = oci['Process'] as Record<string, unknown>;
  assert.equal((process['User'] as Record<string, unknown>)['UID'], 0);
  assert.equal(process['OOMScoreAdj'], 5);
  const linux = oci['Linux'] as Record<string, unknown>;
  assert.deepEqual(linux['UIDMappings'], [{ ContainerID: 0, HostID: 1000, Size: 1 }]);
  const bytes = encode('grpc.CreateContainerRequest', {
    container_id: 'c1',
    exec_id: 'c1',
    OCI: oci,
    sandbox_pidns: plan.sandboxPidns,
  } as never);
  assert.ok(bytes.length > 100);
  assert.throws(
    () => ociToProto(messageType('grpc.Spec'), { process: 'sh' }),
    /spec\.Process: must be an object/,
  );
});

test('CreateSandbox carries the hostname and the virtio-fs shared directory storage', () => {
  const req = createSandboxRequest('pod-1', SPEC, false);
  assert.equal(req['hostname'], 'pod-host');
  assert.equal(req['sandbox_id'], 'pod-1');
  assert.deepEqual(req['storages'], [
    {
      driver: 'virtio-fs',
      driver_options: [],
      source: 'kataShared',
      fstype: 'virtiofs',
      options: [],
      mount_point: '/run/kata-containers/shared/containers/',
    },
  ]);
  assert.ok(encode('grpc.CreateSandboxRequest', req as never).length > 0);
  assert.equal(sandboxSharesPidNs(SPEC), true);
  assert.equal(sandboxSharesPidNs({ linux: { namespaces: [{ type: 'pid' }] } }), false);
  assert.equal(sandboxSharesPidNs({}), false);
});
