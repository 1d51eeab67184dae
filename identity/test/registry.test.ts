import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  CRI_ANNOTATIONS,
  IdentityError,
  IdentityStore,
  identityFromCreateContainer,
  lookupCgroupPaths,
  normalizeRecord,
  selectorValues,
  serviceAccountFromJwt,
} from '../index.js';

const tmp = mkdtempSync(join(tmpdir(), 'ward-identity-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const CID = 'c'.repeat(64);
const UID = '11111111-2222-3333-4444-555555555555';
const DIGEST = `sha256:${'d'.repeat(64)}`;

function jwt(claims: object): string {
  const b = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b({ alg: 'RS256' })}.${b(claims)}.sig`;
}

test('service account from bound, legacy and sub claims', () => {
  assert.equal(serviceAccountFromJwt(jwt({ 'kubernetes.io': { serviceaccount: { name: 'web' } } })), 'web');
  assert.equal(
    serviceAccountFromJwt(jwt({ 'kubernetes.io/serviceaccount/service-account.name': 'old' })),
    'old',
  );
  assert.equal(serviceAccountFromJwt(jwt({ sub: 'system:serviceaccount:prod:api' })), 'api');
  assert.equal(serviceAccountFromJwt(jwt({ sub: 'alice' })), '');
  assert.equal(serviceAccountFromJwt('not-a-jwt'), '');
  assert.equal(serviceAccountFromJwt('a.!!!.c'), '');
});

test('identity from a Kata CreateContainerRequest: CRI annotations, token mount, cgroups path', () => {
  const sa = join(tmp, 'sa');
  mkdirSync(sa);
  writeFileSync(join(sa, 'token'), jwt({ 'kubernetes.io': { serviceaccount: { name: 'builder' } } }));
  const req = {
    container_id: CID,
    OCI: {
      Annotations: {
        [CRI_ANNOTATIONS.containerType]: 'container',
        [CRI_ANNOTATIONS.sandboxId]: 's'.repeat(64),
        [CRI_ANNOTATIONS.sandboxName]: 'web-0',
        [CRI_ANNOTATIONS.sandboxNamespace]: 'prod',
        [CRI_ANNOTATIONS.sandboxUid]: UID,
        [CRI_ANNOTATIONS.containerName]: 'app',
        [CRI_ANNOTATIONS.imageName]: `ghcr.io/acme/app@${DIGEST}`,
      },
      Mounts: [{ destination: '/var/run/secrets/kubernetes.io/serviceaccount', source: sa }],
      Linux: { CgroupsPath: '/ward/p/c' },
    },
  };
  const id = identityFromCreateContainer(req, { policyDigest: 'sha256:p', logSequence: 7 });
  assert.ok(id);
  const rec = normalizeRecord(id);
  assert.equal(rec.containerId, CID);
  assert.equal(rec.podName, 'web-0');
  assert.equal(rec.namespace, 'prod');
  assert.equal(rec.podUid, UID);
  assert.equal(rec.containerName, 'app');
  assert.equal(rec.imageDigest, DIGEST);
  assert.equal(rec.serviceAccount, 'builder');
  assert.equal(rec.cgroupsPath, '/ward/p/c');
  assert.equal(rec.logSequence, 7);
  const sandbox = { containerId: CID, OCI: { Annotations: { [CRI_ANNOTATIONS.containerType]: 'sandbox' } } };
  assert.equal(identityFromCreateContainer(sandbox), null);
});

test('normalizeRecord refuses bad ids, digests, types and control characters', () => {
  for (const bad of [
    null,
    [],
    { containerId: '../etc' },
    { containerId: '' },
    { containerId: CID, imageDigest: 'sha256:xyz' },
    { containerId: CID, logSequence: -1 },
    { containerId: CID, podName: 'a\nb' },
    { containerId: CID, podLabels: { a: 1 } },
    { containerId: CID, imageSignatureVerified: 'yes' },
  ]) {
    assert.throws(
      () => normalizeRecord(bad),
      (e: unknown) => e instanceof IdentityError && e.code === 'ERR_IDENTITY_BAD_RECORD',
    );
  }
  // A subject without a verification is dropped, so it can never become a selector.
  assert.equal(normalizeRecord({ containerId: CID, imageSignatureSubject: 'x' }).imageSignatureSubject, '');
});

test('store: atomic per-container files, 0600, replace, remove, corrupt files are errors', async () => {
  const dir = join(tmp, 'state');
  const store = new IdentityStore(dir);
  await store.record({ containerId: CID, podUid: UID, namespace: 'prod', imageName: 'busybox' });
  await store.record({ containerId: CID, podUid: UID, namespace: 'prod', imageName: 'busybox:2' });
  await store.record({ containerId: 'b'.repeat(64), podUid: UID, initContainer: true, imageName: 'init' });
  assert.equal((await store.get(CID))?.imageName, 'busybox:2');
  assert.equal((await store.list()).length, 2);
  assert.equal(statSync(join(dir, 'containers', `${CID}.json`)).mode & 0o777, 0o600);
  assert.deepEqual(
    readdirSync(join(dir, 'containers')).filter((n) => n.endsWith('.tmp')),
    [],
  );
  assert.equal(await store.remove('b'.repeat(64)), true);
  assert.equal(await store.remove('b'.repeat(64)), false);
  writeFileSync(join(dir, 'containers', `${'e'.repeat(64)}.json`), '{"containerId": ');
  await assert.rejects(
    store.get('e'.repeat(64)),
    (e: unknown) => e instanceof IdentityError && e.code === 'ERR_IDENTITY_STATE',
  );
  await assert.rejects(store.list(), /corrupt/);
  rmSync(join(dir, 'containers', `${'e'.repeat(64)}.json`));
  writeFileSync(join(dir, 'containers', `${'f'.repeat(64)}.json`), JSON.stringify({ containerId: CID }));
  await assert.rejects(store.get('f'.repeat(64)), /names/);
  rmSync(join(dir, 'containers', `${'f'.repeat(64)}.json`));
});

test('cgroup lookup: pod selectors, pod UID contradiction is an error, cgroupsPath fallback', async () => {
  const store = new IdentityStore(join(tmp, 'lookup'));
  await store.record({
    containerId: CID,
    podUid: UID,
    podName: 'web-0',
    namespace: 'prod',
    containerName: 'app',
    serviceAccount: 'web',
    imageName: 'ghcr.io/acme/app:1',
    imageDigest: DIGEST,
    policyDigest: 'sha256:pol',
    initdataDigest: 'sha256:init',
    logSequence: 3,
    registerValue: 'ab',
    podLabels: { app: 'web' },
  });
  await store.record({ containerId: 'a'.repeat(64), podUid: UID, imageName: 'sidecar:1' });
  await store.record({ containerId: 'b'.repeat(64), podUid: UID, imageName: 'init:1', initContainer: true });
  await store.record({ containerId: 'named-ctr', cgroupsPath: '/default/named-ctr', imageName: 'x' });
  const l = await lookupCgroupPaths(store, [`/kubepods/besteffort/pod${UID}/${CID}`]);
  assert.ok(l);
  assert.deepEqual(
    selectorValues(l, null),
    [
      'container-image:ghcr.io/acme/app:1',
      `container-image:ghcr.io/acme/app@${DIGEST}`,
      'container-name:app',
      'initdata-digest:sha256:init',
      'log-seq:3',
      'measured:true',
      'ns:prod',
      'pod-image-count:2',
      'pod-image:sidecar:1',
      'pod-image:ghcr.io/acme/app:1',
      `pod-image:ghcr.io/acme/app@${DIGEST}`,
      'pod-init-image-count:1',
      'pod-init-image:init:1',
      'pod-label:app:web',
      'pod-name:web-0',
      'pod-uid:11111111-2222-3333-4444-555555555555',
      'policy-digest:sha256:pol',
      'sa:web',
    ].sort(),
  );
  const passed = selectorValues(l, { status: 'verified', subject: 'me@example.com' });
  assert.ok(
    passed.includes('sigstore-validation:passed') &&
      passed.includes('image-signature-subject:me@example.com'),
  );
  for (const s of [{ status: 'skipped' as const }, { status: 'unverified' as const, reason: 'x' }]) {
    assert.ok(
      !selectorValues(l, s).some(
        (v) => v.startsWith('sigstore-validation') || v.startsWith('image-signature'),
      ),
    );
  }
  assert.equal(await lookupCgroupPaths(store, [`/kubepods/besteffort/pod${UID}/${'9'.repeat(64)}`]), null);
  assert.equal(await lookupCgroupPaths(store, ['/user.slice/session-2.scope']), null);
  await assert.rejects(
    lookupCgroupPaths(store, [`/kubepods/besteffort/pod${UID.replace('1111', '9999')}/${CID}`]),
    (e: unknown) => e instanceof IdentityError && e.code === 'ERR_IDENTITY_CGROUP',
  );
  assert.equal((await lookupCgroupPaths(store, ['/default/named-ctr']))?.record.containerId, 'named-ctr');
});
