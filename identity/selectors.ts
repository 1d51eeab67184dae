import type { IdentityLookup } from './lookup.js';
import type { IdentityRecord } from './record.js';
import { repositoryOf } from './signature/image-ref.js';
import type { SignatureStatus } from './signature/verifier.js';

/** Which selector families the attestor emits (plugin_data `selectors { … }`). */
export interface SelectorOptions {
  /** `pod-label:<k>:<v>` for every known label. */
  readonly podLabels: boolean;
  /** Ward's measured-state selectors (`policy-digest:`, `initdata-digest:`, `log-seq:`, `measured:`). */
  readonly measured: boolean;
}

/** Defaults: every family on. */
export const DEFAULT_SELECTOR_OPTIONS: SelectorOptions = { podLabels: true, measured: true };

/**
 * An image's identifiers as SPIRE's k8s attestor emits them: the reference as given and, when
 * the digest is known, the `repository@sha256:…` image id — so entries can pin either.
 */
export function imageIdentifiers(r: IdentityRecord): string[] {
  const out: string[] = [];
  if (r.imageName !== '') out.push(r.imageName);
  if (r.imageDigest !== '' && r.imageName !== '') out.push(`${repositoryOf(r.imageName)}@${r.imageDigest}`);
  return out;
}

/**
 * The selector values of one container, named like SPIRE's k8s attestor's (without the type
 * prefix: SPIRE adds the plugin's name) plus Ward's measured state. Empty values are left out
 * rather than emitted as `sa:` so that an unknown field can never match an entry. A signature
 * adds `sigstore-validation:passed` and the subject only when status is `verified`.
 */
export function selectorValues(
  lookup: IdentityLookup,
  signature: SignatureStatus | null,
  opts: SelectorOptions = DEFAULT_SELECTOR_OPTIONS,
): string[] {
  const r = lookup.record;
  const out = new Set<string>();
  const add = (name: string, value: string): void => {
    if (value !== '') out.add(`${name}:${value}`);
  };
  add('sa', r.serviceAccount);
  add('ns', r.namespace);
  add('pod-uid', r.podUid);
  add('pod-name', r.podName);
  add('container-name', r.containerName);
  for (const id of imageIdentifiers(r)) add('container-image', id);
  const workload = lookup.pod.filter((p) => !p.initContainer);
  const init = lookup.pod.filter((p) => p.initContainer);
  out.add(`pod-image-count:${workload.length}`);
  out.add(`pod-init-image-count:${init.length}`);
  for (const p of workload) for (const id of imageIdentifiers(p)) add('pod-image', id);
  for (const p of init) for (const id of imageIdentifiers(p)) add('pod-init-image', id);
  if (opts.podLabels) for (const [k, v] of Object.entries(r.podLabels)) out.add(`pod-label:${k}:${v}`);
  if (opts.measured) {
    add('policy-digest', r.policyDigest);
    add('initdata-digest', r.initdataDigest);
    if (r.logSequence !== null) {
      out.add(`log-seq:${r.logSequence}`);
      out.add('measured:true');
    }
  }
  if (signature?.status === 'verified') {
    out.add('sigstore-validation:passed');
    add('image-signature-subject', signature.subject);
  }
  return [...out].sort();
}
