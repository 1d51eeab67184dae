import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cgroupPathMatches,
  cgroupRootsFromMountinfo,
  expandCgroupsPath,
  IdentityError,
  matchCgroupPath,
  matchCgroupPaths,
  parseCgroupFile,
} from '../index.js';

const CID = '9bca8d63d5fa610783847915bcff0ecac1273e5b4bed3f6fa1b07350e0135961';
const UID = '2c48913c-b29f-11e7-9350-020968147796';

// The cgroup shapes SPIRE's k8s attestor documents, with the pod UID and container id each names.
const CASES: [string, string, string][] = [
  [`/kubepods/burstable/pod${UID}/${CID}`, UID, CID],
  [
    `/docker/8d461fa5765781bcf5f7eb192f101bc3103d4b932e26236f43feecfa20664f96/kubepods/besteffort/pod${UID}/${CID}`,
    UID,
    CID,
  ],
  [
    `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replaceAll('-', '_')}.slice/docker-${CID}.scope`,
    UID,
    CID,
  ],
  [
    `/kubepods-besteffort-pod72f7f152_440c_66ac_9084_e0fc1d8a910c.slice:cri-containerd:${CID}`,
    '72f7f152-440c-66ac-9084-e0fc1d8a910c',
    CID,
  ],
  [`/../../pod${UID}/${CID}`, UID, CID],
];

test('SPIRE k8s cgroup shapes yield pod UID and container id, systemd _ UIDs canonicalized', () => {
  for (const [path, uid, cid] of CASES) {
    assert.deepEqual(matchCgroupPath(path), { podUid: uid, containerId: cid }, path);
  }
});

test('pod-less containerd paths match only a 64-hex final id', () => {
  assert.deepEqual(matchCgroupPath(`/default/${CID}`), { podUid: '', containerId: CID });
  assert.deepEqual(matchCgroupPath(`/system.slice/cri-containerd-${CID}.scope`), {
    podUid: '',
    containerId: CID,
  });
  assert.equal(matchCgroupPath('/user.slice/user-0.slice/session-1.scope'), null);
  assert.equal(matchCgroupPath('/default/demo'), null);
  assert.equal(matchCgroupPath(`/default/${CID}x`), null);
});

test('a process file naming two containers or two pods is an error, never a match', () => {
  const other = 'a'.repeat(64);
  assert.throws(
    () => matchCgroupPaths([`/kubepods/pod${UID}/${CID}`, `/kubepods/pod${UID}/${other}`]),
    (e: unknown) =>
      e instanceof IdentityError &&
      e.code === 'ERR_IDENTITY_CGROUP' &&
      /multiple container ids/.test(e.message),
  );
  assert.throws(
    () => matchCgroupPaths([`/kubepods/pod${UID}/${CID}`, `/x/pod${UID.replace('2c', '3c')}/${CID}`]),
    /multiple pod UIDs/,
  );
  assert.deepEqual(matchCgroupPaths(['/', `/kubepods/pod${UID}/${CID}`, `/kubepods/pod${UID}/${CID}`]), {
    podUid: UID,
    containerId: CID,
  });
});

test('parseCgroupFile accepts v1 and v2 lines and refuses malformed ones', () => {
  const entries = parseCgroupFile(`12:pids:/kubepods/pod${UID}/${CID}\n0::/x:y:z\n1:name=systemd:/\n`);
  assert.equal(entries.length, 3);
  assert.equal(entries[1]!.path, '/x:y:z');
  for (const bad of [
    'garbage',
    '12:pids',
    'x:pids:/a',
    '12:pids:relative',
    `12:pids:/a\n${'9:'.repeat(3000)}/`,
  ]) {
    assert.throws(
      () => parseCgroupFile(bad),
      (e: unknown) => e instanceof IdentityError && e.code === 'ERR_IDENTITY_CGROUP',
      bad,
    );
  }
});

test('mountinfo cgroup roots (cgroup namespaces) are found and unescaped', () => {
  const text = [
    '24 30 0:22 / /sys rw,nosuid - sysfs sysfs rw',
    `35 24 0:30 /kubepods/pod${UID}/${CID} /sys/fs/cgroup rw - cgroup2 cgroup2 rw`,
    '36 24 0:31 /a\\040b /sys/fs/cgroup/x rw - cgroup cgroup rw,pids',
    '37 24 0:31 / /sys/fs/cgroup/y rw - cgroup cgroup rw,cpu',
  ].join('\n');
  assert.deepEqual(cgroupRootsFromMountinfo(text), [`/kubepods/pod${UID}/${CID}`, '/a b']);
});

test('systemd cgroupsPath expands like runc does and matches nested paths only at a boundary', () => {
  assert.equal(
    expandCgroupsPath('kubepods-besteffort-podx.slice:cri-containerd:abc'),
    '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podx.slice/cri-containerd-abc.scope',
  );
  assert.equal(expandCgroupsPath('system.slice:docker:abc'), '/system.slice/docker-abc.scope');
  assert.equal(expandCgroupsPath('/ward/pod1/c1'), '/ward/pod1/c1');
  assert.ok(cgroupPathMatches('/ward/pod1/c1', '/ward/pod1/c1'));
  assert.ok(cgroupPathMatches('/docker/x/ward/pod1/c1', '/ward/pod1/c1'));
  assert.ok(!cgroupPathMatches('/ward/pod1/c10', '/ward/pod1/c1'));
  assert.ok(!cgroupPathMatches('/evilward/pod1/c1', 'ward/pod1/c1x'));
  assert.ok(!cgroupPathMatches('/', '/'));
});
