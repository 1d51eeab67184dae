import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, encode } from '../../proto/index.js';
import { CRI_ANNOTATIONS, identityFromCreateContainer, normalizeRecord } from '../index.js';

const CID = '7'.repeat(64);

test('identity from a real encoded-then-decoded Kata CreateContainerRequest', () => {
  const bytes = encode('grpc.CreateContainerRequest', {
    container_id: CID,
    OCI: {
      Annotations: {
        [CRI_ANNOTATIONS.containerType]: 'container',
        [CRI_ANNOTATIONS.sandboxId]: 'sb1',
        [CRI_ANNOTATIONS.sandboxName]: 'job-x',
        [CRI_ANNOTATIONS.sandboxNamespace]: 'batch',
        [CRI_ANNOTATIONS.sandboxUid]: '0f0f0f0f-1111-2222-3333-444444444444',
        [CRI_ANNOTATIONS.containerName]: 'worker',
        [CRI_ANNOTATIONS.imageName]: 'docker.io/library/busybox:1.36',
      },
      Mounts: [
        {
          destination: '/var/run/secrets/kubernetes.io/serviceaccount',
          source: '/nonexistent',
          type: 'bind',
        },
      ],
      Linux: { CgroupsPath: '/kubepods/podx/abc' },
    },
  } as never);
  const req = decode('grpc.CreateContainerRequest', bytes) as never;
  const rec = normalizeRecord(identityFromCreateContainer(req, { logSequence: 4, policyDigest: 'sha256:p' }));
  assert.equal(rec.containerId, CID);
  assert.equal(rec.sandboxId, 'sb1');
  assert.equal(rec.podName, 'job-x');
  assert.equal(rec.namespace, 'batch');
  assert.equal(rec.podUid, '0f0f0f0f-1111-2222-3333-444444444444');
  assert.equal(rec.containerName, 'worker');
  assert.equal(rec.imageName, 'docker.io/library/busybox:1.36');
  assert.equal(rec.imageDigest, '');
  // The token source is not readable here: the service account stays unknown, not guessed.
  assert.equal(rec.serviceAccount, '');
  assert.equal(rec.cgroupsPath, '/kubepods/podx/abc');
  assert.equal(rec.logSequence, 4);
});
