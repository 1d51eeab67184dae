/** Real Go ttrpc peers (Debian's containerd/ttrpc) for interoperability tests and benchmarks. */
export { buildGoTtrpcPeer, DEBIAN_GOPATH, GO_PEER_DEPENDENCIES, GoPeerUnavailable } from './build.js';
export {
  decodeBytesValue,
  encodeBytesValue,
  GO_PEER_SERVICE,
  type GoBenchResult,
  type GoPeerServer,
  runGoPeerBench,
  runGoPeerClient,
  startGoPeerServer,
} from './peer.js';
