/**
 * Ward's transports behind one address syntax (docs/PROTOCOL.md, "Addresses"): unix, abstract
 * unix, vsock (AF_VSOCK through koffi), hybrid vsock (client and muxer) and TCP.
 */
export {
  type Address,
  formatAddress,
  parseAddress,
  toAddress,
  UNIX_PATH_MAX,
  VMADDR_CID_ANY,
  VMADDR_CID_HOST,
} from './address.js';
export { CONNECT_TIMEOUT_MS, type ConnectOptions, connect } from './connect.js';
export { TransportError, TransportErrorCode } from './errors.js';
export { listenOnFd, socketFromFd } from './fd-stream.js';
export { ffiConnectUnix, ffiListenUnix } from './ffi-socket.js';
export { connectHybridVsock, HVSOCK_HANDSHAKE_TIMEOUT_MS, type HybridVsockOptions } from './hvsock.js';
export { HANDSHAKE_LINE_MAX } from './line.js';
export {
  GuardedServer,
  HoldingServer,
  LISTEN_BACKLOG,
  type ListenOptions,
  listen,
  MuxedPortServer,
} from './listen.js';
export { HybridVsockMuxer, MUXER_FIRST_HOST_PORT, type MuxerOptions, type MuxerTarget } from './muxer.js';
export {
  checkPeerCredentials,
  type PeerCredentialPolicy,
  type PeerCredentials,
  peerCredentials,
  socketFd,
} from './peercred.js';
export {
  AF_UNIX,
  AF_VSOCK,
  decodeSockaddrVm,
  encodeSockaddrUn,
  encodeSockaddrVm,
  SOCKADDR_UN_SIZE,
  SOCKADDR_VM_SIZE,
} from './sockaddr.js';
export { connectVsock, listenVsock, probeVsockSocket } from './vsock.js';
