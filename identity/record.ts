import { IdentityError } from './errors.js';

/** Longest string field a record may hold; keeps the registry file and selectors bounded. */
export const MAX_FIELD_LENGTH = 4096;
/** Most pod labels kept per record. */
export const MAX_POD_LABELS = 256;

/**
 * What Ward knows about one container it created: who it is (Kubernetes names), what it runs
 * (image and digest), and under which measured state it was created. Unknown strings are ''.
 */
export interface IdentityRecord {
  /** containerd / Kata container id (the key). */
  readonly containerId: string;
  readonly sandboxId: string;
  readonly podName: string;
  readonly namespace: string;
  readonly podUid: string;
  readonly containerName: string;
  /** Image reference as the CRI gave it, e.g. `docker.io/library/busybox:1.36`. */
  readonly imageName: string;
  /** Image manifest digest, `sha256:<64 hex>`, or ''. */
  readonly imageDigest: string;
  readonly serviceAccount: string;
  /** Digest of the policy in force at CreateContainer. */
  readonly policyDigest: string;
  readonly initdataDigest: string;
  /** Sequence number of the CreateContainer event in the measurement log, null if unmeasured. */
  readonly logSequence: number | null;
  /** Register value (hex) right after that event was extended. */
  readonly registerValue: string;
  /** True only when a configured key or trusted root verified the image signature. */
  readonly imageSignatureVerified: boolean;
  /** Who signed the image (key name or certificate identity) when verified, else ''. */
  readonly imageSignatureSubject: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly initContainer: boolean;
  /** OCI `linux.cgroupsPath` of the container, matched against /proc/<pid>/cgroup. */
  readonly cgroupsPath: string;
  /** ISO-8601 time the record was made. */
  readonly createdAt: string;
}

/** A record as callers hand it in: only the container id is required. */
export type IdentityInput = { readonly containerId: string } & Partial<Omit<IdentityRecord, 'containerId'>>;

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
const STRING_FIELDS = [
  'sandboxId',
  'podName',
  'namespace',
  'podUid',
  'containerName',
  'imageName',
  'imageDigest',
  'serviceAccount',
  'policyDigest',
  'initdataDigest',
  'registerValue',
  'imageSignatureSubject',
  'cgroupsPath',
  'createdAt',
] as const;

function bad(message: string): IdentityError {
  return new IdentityError('ERR_IDENTITY_BAD_RECORD', message);
}

function checkString(name: string, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw bad(`${name} must be a string`);
  if (v.length > MAX_FIELD_LENGTH) throw bad(`${name} is longer than ${MAX_FIELD_LENGTH} characters`);
  // Selector values are line- and NUL-free; a control character here can only be an attack.
  if (/[\u0000-\u001f\u007f]/.test(v)) throw bad(`${name} contains control characters`);
  return v;
}

/** True when `id` is acceptable as a container id (containerd's identifier alphabet). */
export function isContainerId(id: unknown): id is string {
  return typeof id === 'string' && ID_RE.test(id);
}

/**
 * Validates a record from any source (API caller, JSON file, socket) and fills defaults.
 * Throws ERR_IDENTITY_BAD_RECORD naming the first bad field.
 */
export function normalizeRecord(input: unknown, now: Date = new Date()): IdentityRecord {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw bad('record must be an object');
  const o = input as Record<string, unknown>;
  if (!isContainerId(o['containerId'])) throw bad('containerId is missing or not a valid container id');
  const s: Record<string, string> = {};
  for (const f of STRING_FIELDS) s[f] = checkString(f, o[f]);
  if (s['imageDigest'] !== '' && !DIGEST_RE.test(s['imageDigest']!)) {
    throw bad('imageDigest must be sha256:<64 lowercase hex>');
  }
  const seq = o['logSequence'];
  if (
    seq !== undefined &&
    seq !== null &&
    (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0)
  ) {
    throw bad('logSequence must be a non-negative integer or null');
  }
  for (const f of ['imageSignatureVerified', 'initContainer'] as const) {
    if (o[f] !== undefined && typeof o[f] !== 'boolean') throw bad(`${f} must be a boolean`);
  }
  const labels: Record<string, string> = {};
  const rawLabels = o['podLabels'];
  if (rawLabels !== undefined && rawLabels !== null) {
    if (typeof rawLabels !== 'object' || Array.isArray(rawLabels)) throw bad('podLabels must be an object');
    const entries = Object.entries(rawLabels as Record<string, unknown>);
    if (entries.length > MAX_POD_LABELS) throw bad(`more than ${MAX_POD_LABELS} pod labels`);
    for (const [k, v] of entries) labels[checkString('podLabels key', k)] = checkString(`podLabels.${k}`, v);
  }
  const verified = o['imageSignatureVerified'] === true;
  return {
    containerId: o['containerId'] as string,
    sandboxId: s['sandboxId']!,
    podName: s['podName']!,
    namespace: s['namespace']!,
    podUid: s['podUid']!,
    containerName: s['containerName']!,
    imageName: s['imageName']!,
    imageDigest: s['imageDigest']!,
    serviceAccount: s['serviceAccount']!,
    policyDigest: s['policyDigest']!,
    initdataDigest: s['initdataDigest']!,
    logSequence: typeof seq === 'number' ? seq : null,
    registerValue: s['registerValue']!,
    imageSignatureVerified: verified,
    // A subject without a verification is meaningless and must never reach a selector.
    imageSignatureSubject: verified ? s['imageSignatureSubject']! : '',
    podLabels: labels,
    initContainer: o['initContainer'] === true,
    cgroupsPath: s['cgroupsPath']!,
    createdAt: s['createdAt'] || now.toISOString(),
  };
}
