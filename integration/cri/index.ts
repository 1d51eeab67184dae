/** CRI runtime.v1 client (grpc-js) for end-to-end tests through containerd's CRI plugin. */
export {
  CRI_CALL_TIMEOUT_MS,
  CRI_METHODS,
  CRI_RUNTIME_SERVICE,
  CriClient,
  type CriMethod,
} from './client.js';
