/**
 * ward/identity: the identity registry (what Ward knows about each container it created) and
 * the pieces of the ward-spire-plugin SPIRE WorkloadAttestor (pid → container → selectors).
 */

export type { CreateContainerExtras, CreateContainerLike } from './annotations.js';
export { CRI_ANNOTATIONS, digestFromImageName, identityFromCreateContainer } from './annotations.js';
export type { CgroupResolver } from './attestor.js';
export { attestPid, storeResolver } from './attestor.js';
export type { CgroupEntry, CgroupMatch } from './cgroup.js';
export {
  canonicalPodUid,
  cgroupPathMatches,
  cgroupRootsFromMountinfo,
  expandCgroupsPath,
  matchCgroupPath,
  matchCgroupPaths,
  parseCgroupFile,
} from './cgroup.js';
export type { IdentityErrorCode } from './errors.js';
export { IdentityError } from './errors.js';
export type { HclObject, HclValue } from './hcl.js';
export { parseHcl } from './hcl.js';
export type { IdentityLookup } from './lookup.js';
export { lookupCgroupPaths, lookupContainer } from './lookup.js';
export type { PeerCredentialReader, PeerCredentials } from './peer.js';
export { checkPeer, ROOT_UID } from './peer.js';
export { loadPluginRoot, PLUGIN_PROTO_FILES, serviceDefinition } from './plugin/schema.js';
export type { ServedPlugin } from './plugin/serve.js';
export { handshakeLine, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, servePlugin } from './plugin/serve.js';
export type { PluginConfig } from './plugin-config.js';
export { parsePluginConfig } from './plugin-config.js';
export type { ProcessCgroups } from './proc.js';
export { cgroupsOfPid } from './proc.js';
export type { RegistryRequest, RegistryResponse } from './protocol.js';
export { DEFAULT_REGISTRY_SOCKET } from './protocol.js';
export type { IdentityInput, IdentityRecord } from './record.js';
export { isContainerId, normalizeRecord } from './record.js';
export { RegistryClient } from './registry-client.js';
export type { RegistryServer, RegistryServerOptions } from './registry-server.js';
export { startRegistryServer } from './registry-server.js';
export type { SelectorOptions } from './selectors.js';
export { DEFAULT_SELECTOR_OPTIONS, selectorValues } from './selectors.js';
export { SERVICE_ACCOUNT_MOUNT, serviceAccountFromJwt, serviceAccountFromMounts } from './service-account.js';
export type { BundleThresholds, BundleTrust } from './signature/bundle.js';
export { verifySigstoreBundle } from './signature/bundle.js';
export type { CosignSignature, SignatureVerdict } from './signature/cosign.js';
export { keyFingerprint, loadCosignPublicKey, verifyCosignSignature } from './signature/cosign.js';
export type { ImageRef } from './signature/image-ref.js';
export { repositoryOf } from './signature/image-ref.js';
export type { SignaturePolicy, SignatureStatus } from './signature/verifier.js';
export { checkImageSignature, isSkipped } from './signature/verifier.js';
export { DEFAULT_STATE_DIR, IdentityStore } from './store.js';
