import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  X509Certificate,
} from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  checkImageSignature,
  IdentityError,
  loadCosignPublicKey,
  parsePluginConfig,
  verifyCosignSignature,
  verifySigstoreBundle,
} from '../index.js';

const tmp = mkdtempSync(join(tmpdir(), 'ward-sig-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const DIGEST = `sha256:${createHash('sha256').update('manifest').digest('hex')}`;
const OTHER = `sha256:${createHash('sha256').update('other manifest').digest('hex')}`;
const IMAGE = { imageName: 'ghcr.io/acme/app:1.0', imageDigest: DIGEST };

function keyPair(curve = 'P-256'): { priv: KeyObject; pub: KeyObject; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return {
    priv: privateKey,
    pub: publicKey,
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function simplePayload(digest: string, ref = 'ghcr.io/acme/app', optional: object | null = null): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': ref },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional,
    }),
  );
}

const isSigError = (e: unknown): boolean => e instanceof IdentityError && e.code === 'ERR_IDENTITY_SIGNATURE';

test('cosign simple signing: a fresh P-256 signature verifies; wrong key, changed payload, other digest do not', () => {
  const k = keyPair();
  const other = keyPair();
  const payload = simplePayload(DIGEST, 'ghcr.io/acme/app', { subject: 'release@acme.example' });
  const signature = sign('sha256', payload, k.priv).toString('base64');
  const key = loadCosignPublicKey(k.pem);
  assert.deepEqual(verifyCosignSignature(IMAGE, { payload, signature }, [key]), {
    subject: 'release@acme.example',
  });
  // Also found among several keys; without optional.subject the key fingerprint is the subject.
  const bare = simplePayload(DIGEST);
  const bareSig = sign('sha256', bare, k.priv).toString('base64');
  const v = verifyCosignSignature(IMAGE, { payload: bare, signature: bareSig }, [
    loadCosignPublicKey(other.pem),
    key,
  ]);
  assert.match(v.subject, /^sha256:[0-9a-f]{64}$/);

  assert.throws(
    () => verifyCosignSignature(IMAGE, { payload, signature }, [loadCosignPublicKey(other.pem)]),
    isSigError,
  );
  const changed = Buffer.from(payload);
  changed.writeUInt8(changed.readUInt8(changed.length - 3) ^ 1, changed.length - 3);
  assert.throws(
    () => verifyCosignSignature(IMAGE, { payload: changed, signature }, [key]),
    /does not verify/,
  );
  const otherPayload = simplePayload(OTHER);
  const otherSig = sign('sha256', otherPayload, k.priv).toString('base64');
  assert.throws(
    () => verifyCosignSignature(IMAGE, { payload: otherPayload, signature: otherSig }, [key]),
    /not the image's digest/,
  );
  const wrongRepo = simplePayload(DIGEST, 'ghcr.io/evil/app');
  const wrongRepoSig = sign('sha256', wrongRepo, k.priv).toString('base64');
  assert.throws(
    () => verifyCosignSignature(IMAGE, { payload: wrongRepo, signature: wrongRepoSig }, [key]),
    /not ghcr/,
  );
  assert.throws(
    () => verifyCosignSignature({ ...IMAGE, imageDigest: '' }, { payload, signature }, [key]),
    /digest unknown/,
  );
  assert.throws(() => verifyCosignSignature(IMAGE, { payload, signature: '' }, [key]), isSigError);
  assert.throws(() => loadCosignPublicKey(keyPair('P-384').pem), /P-256/);
  assert.throws(() => loadCosignPublicKey('not a key'), isSigError);
});

const TRUSTED_ROOT = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

function dsseBundle(priv: KeyObject, pub: KeyObject, digestHex: string): object {
  const type = 'application/vnd.in-toto+json';
  const body = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'ghcr.io/acme/app', digest: { sha256: digestHex } }],
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      predicate: {},
    }),
  );
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${body.length} `), body]);
  const hint = createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      publicKey: { hint },
      tlogEntries: [],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: {
      payload: body.toString('base64'),
      payloadType: type,
      signatures: [{ sig: sign('sha256', pae, priv).toString('base64'), keyid: '' }],
    },
  };
}

test('sigstore bundle: public-key DSSE bundle verifies offline only with zero log thresholds and the right key', () => {
  const k = keyPair();
  const other = keyPair();
  const bundle = dsseBundle(k.priv, k.pub, DIGEST.slice(7));
  const zero = { tlog: 0, ctlog: 0, timestamp: 0 };
  const v = verifySigstoreBundle(IMAGE, bundle, undefined, {
    trustedRoot: TRUSTED_ROOT,
    publicKeys: [k.pub],
    thresholds: zero,
  });
  assert.match(v.subject, /^sha256:/);
  // Default thresholds demand transparency-log entries and timestamps this offline bundle lacks.
  assert.throws(
    () =>
      verifySigstoreBundle(IMAGE, bundle, undefined, {
        trustedRoot: TRUSTED_ROOT,
        publicKeys: [k.pub],
        thresholds: { tlog: 1, ctlog: 1, timestamp: 1 },
      }),
    /does not verify/,
  );
  assert.throws(
    () =>
      verifySigstoreBundle(IMAGE, bundle, undefined, {
        trustedRoot: TRUSTED_ROOT,
        publicKeys: [other.pub],
        thresholds: zero,
      }),
    isSigError,
  );
  const otherDigest = dsseBundle(k.priv, k.pub, OTHER.slice(7));
  assert.throws(
    () =>
      verifySigstoreBundle(IMAGE, otherDigest, undefined, {
        trustedRoot: TRUSTED_ROOT,
        publicKeys: [k.pub],
        thresholds: zero,
      }),
    /no subject with the image's digest/,
  );
  const tampered = JSON.parse(JSON.stringify(bundle)) as { dsseEnvelope: { payload: string } };
  const body = JSON.parse(Buffer.from(tampered.dsseEnvelope.payload, 'base64').toString()) as {
    predicate: object;
  };
  body.predicate = { evil: true };
  tampered.dsseEnvelope.payload = Buffer.from(JSON.stringify(body)).toString('base64');
  assert.throws(
    () =>
      verifySigstoreBundle(IMAGE, tampered, undefined, {
        trustedRoot: TRUSTED_ROOT,
        publicKeys: [k.pub],
        thresholds: zero,
      }),
    /does not verify/,
  );
  assert.throws(
    () =>
      verifySigstoreBundle(IMAGE, { mediaType: 'nope' }, undefined, {
        trustedRoot: TRUSTED_ROOT,
        publicKeys: [k.pub],
        thresholds: zero,
      }),
    isSigError,
  );
});

test('signatures directory: verified, unsigned, bad and skip-listed images (skip never means passed)', async () => {
  const k = keyPair();
  const keyFile = join(tmp, 'cosign.pub');
  writeFileSync(keyFile, k.pem);
  const rootFile = join(tmp, 'trusted_root.json');
  writeFileSync(rootFile, JSON.stringify(TRUSTED_ROOT));
  const sigs = join(tmp, 'sigs');
  const dir = join(sigs, DIGEST.replace(':', '-'));
  mkdirSync(dir, { recursive: true });
  const payload = simplePayload(DIGEST);
  writeFileSync(join(dir, 'payload'), payload);
  writeFileSync(join(dir, 'signature'), sign('sha256', payload, k.priv).toString('base64'));
  const cfg = parsePluginConfig(
    `cosign_public_keys = ["${keyFile}"]\nsignatures_dir = "${sigs}"\nsigstore_trusted_root = "${rootFile}"\n` +
      `skip_signature_verification_image_list = ["ghcr.io/acme/base@${OTHER}"]`,
  );
  assert.equal((await checkImageSignature(IMAGE, cfg.signatures)).status, 'verified');
  assert.deepEqual(await checkImageSignature({ ...IMAGE, imageDigest: OTHER }, cfg.signatures), {
    status: 'skipped',
  });
  const unsigned = await checkImageSignature(
    { ...IMAGE, imageDigest: `sha256:${'0'.repeat(64)}` },
    cfg.signatures,
  );
  assert.deepEqual(unsigned, { status: 'unverified', reason: 'image is not signed' });
  writeFileSync(join(dir, 'signature'), sign('sha256', Buffer.from('x'), k.priv).toString('base64'));
  const bad = await checkImageSignature(IMAGE, cfg.signatures);
  assert.equal(bad.status, 'unverified');
  // A bundle takes precedence and goes through @sigstore/verify with the configured thresholds (1).
  writeFileSync(join(dir, 'bundle.json'), JSON.stringify(dsseBundle(k.priv, k.pub, DIGEST.slice(7))));
  const strict = await checkImageSignature(IMAGE, cfg.signatures);
  assert.equal(strict.status, 'unverified');
  const lax = parsePluginConfig(
    `cosign_public_keys = ["${keyFile}"]\nsignatures_dir = "${sigs}"\nsigstore_trusted_root = "${rootFile}"\n` +
      'sigstore_tlog_threshold = 0\nsigstore_ctlog_threshold = 0\nsigstore_timestamp_threshold = 0',
  );
  assert.equal((await checkImageSignature(IMAGE, lax.signatures)).status, 'verified');
});

/** A CA, a code-signing leaf (SAN email) and a TSA, made with the openssl CLI; null without it. */
function makePki(dir: string): { caDer: string; leafDer: string; tsaDer: string; leafKey: KeyObject } | null {
  const ossl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  mkdirSync(dir, { recursive: true });
  try {
    ossl('version');
  } catch {
    return null;
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ossl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=ward-test-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  );
  const issue = (name: string, ext: string): void => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    ossl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=ward-test-${name}`);
    ossl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  };
  issue(
    'leaf',
    'subjectAltName=email:release@acme.example\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n',
  );
  issue('tsa', 'extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n');
  const der = (f: string): string => new X509Certificate(readFileSync(join(dir, f))).raw.toString('base64');
  return {
    caDer: der('ca.pem'),
    leafDer: der('leaf.pem'),
    tsaDer: der('tsa.pem'),
    leafKey: createPrivateKey(readFileSync(join(dir, 'leaf.key'))),
  };
}

/** An RFC 3161 TimeStampResp over `data` from the openssl TSA. */
function timestamp(dir: string, data: Buffer): string {
  writeFileSync(
    join(dir, 'tsa.cnf'),
    '[tsa]\ndefault_tsa = t\n[t]\nserial = ./tsaserial\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\n' +
      'accuracy = secs:1\nordering = no\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n',
  );
  writeFileSync(join(dir, 'tsaserial'), '01\n');
  writeFileSync(join(dir, 'sig.bin'), data);
  const run = (...a: string[]): void => {
    execFileSync('openssl', a, { cwd: dir, stdio: 'ignore' });
  };
  run('ts', '-query', '-data', 'sig.bin', '-sha256', '-cert', '-out', 'q.tsq');
  run(
    'ts',
    '-reply',
    '-config',
    'tsa.cnf',
    '-queryfile',
    'q.tsq',
    '-signer',
    'tsa.pem',
    '-inkey',
    'tsa.key',
    '-out',
    'r.tsr',
  );
  return readFileSync(join(dir, 'r.tsr')).toString('base64');
}

test('sigstore bundle: certificate (keyless-style) bundle with an RFC 3161 timestamp verifies offline; subject is the SAN', (t) => {
  const dir = join(tmp, 'pki');
  const pki = makePki(dir);
  if (!pki) return t.skip('openssl CLI not installed');
  const type = 'application/vnd.in-toto+json';
  const body = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'app', digest: { sha256: DIGEST.slice(7) } }],
      predicateType: 'p',
      predicate: {},
    }),
  );
  const sig = sign(
    'sha256',
    Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${body.length} `), body]),
    pki.leafKey,
  );
  const bundle = {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      certificate: { rawBytes: pki.leafDer },
      tlogEntries: [],
      timestampVerificationData: { rfc3161Timestamps: [{ signedTimestamp: timestamp(dir, sig) }] },
    },
    dsseEnvelope: {
      payload: body.toString('base64'),
      payloadType: type,
      signatures: [{ sig: sig.toString('base64'), keyid: '' }],
    },
  };
  const authority = (cn: string, chain: string[]) => ({
    subject: { organization: 'ward', commonName: cn },
    uri: `https://${cn}.example`,
    certChain: { certificates: chain.map((rawBytes) => ({ rawBytes })) },
    validFor: { start: '2020-01-01T00:00:00Z' },
  });
  const root = {
    ...TRUSTED_ROOT,
    certificateAuthorities: [authority('ca', [pki.caDer])],
    timestampAuthorities: [authority('tsa', [pki.tsaDer, pki.caDer])],
  };
  const trust = { trustedRoot: root, publicKeys: [], thresholds: { tlog: 0, ctlog: 0, timestamp: 1 } };
  assert.deepEqual(verifySigstoreBundle(IMAGE, bundle, undefined, trust), {
    subject: 'release@acme.example',
  });
  // Without the TSA in the trusted root, or the CA, or with no timestamp required: refused.
  assert.throws(
    () =>
      verifySigstoreBundle(IMAGE, bundle, undefined, {
        ...trust,
        trustedRoot: { ...root, timestampAuthorities: [] },
      }),
    isSigError,
  );
  assert.throws(
    () =>
      verifySigstoreBundle(IMAGE, bundle, undefined, {
        ...trust,
        trustedRoot: { ...root, certificateAuthorities: [] },
      }),
    isSigError,
  );
  assert.throws(
    () =>
      verifySigstoreBundle(IMAGE, bundle, undefined, {
        ...trust,
        thresholds: { tlog: 0, ctlog: 0, timestamp: 0 },
      }),
    /timestamp_threshold/,
  );
  // Default thresholds also want a transparency-log entry and an SCT.
  assert.throws(
    () =>
      verifySigstoreBundle(IMAGE, bundle, undefined, {
        ...trust,
        thresholds: { tlog: 1, ctlog: 1, timestamp: 1 },
      }),
    isSigError,
  );
  assert.throws(
    () => verifySigstoreBundle({ ...IMAGE, imageDigest: OTHER }, bundle, undefined, trust),
    /no subject/,
  );
});
