/** The image a signature must be about. */
export interface ImageRef {
  /** Reference as the CRI gave it (`busybox:1.36`, `ghcr.io/x/y@sha256:…`); may be ''. */
  readonly imageName: string;
  /** Manifest digest `sha256:<64 hex>`; signatures are never checked against an unknown digest. */
  readonly imageDigest: string;
}

/**
 * The repository part of an image reference in its fully qualified form, the way cosign writes
 * `docker-reference`: tag and digest dropped, Docker Hub's implicit `docker.io/library/` added.
 */
export function repositoryOf(imageName: string): string {
  let ref = imageName;
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  const first = ref.split('/')[0] ?? '';
  const hasRegistry =
    ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) ref = `docker.io/${ref.includes('/') ? ref : `library/${ref}`}`;
  return ref;
}
