import { createRequire } from 'node:module';

// The SPIRE plugin's gRPC server and Sigstore bundle verification need large packages that
// everything else importing ward/identity (the shim's per-pod workers record identities)
// never calls: loaded at first use, they cost those processes nothing. They are CommonJS, so
// a synchronous require keeps the callers' signatures as they are.
const require = createRequire(import.meta.url);

/** `@grpc/grpc-js`, loaded on first use. */
export function grpc(): typeof import('@grpc/grpc-js') {
  return require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
}

/** The full `protobufjs` (with the .proto parser; everything else uses its light build). */
export function protobufWithParser(): typeof import('protobufjs') {
  return require('protobufjs') as typeof import('protobufjs');
}

/** `@sigstore/verify`, loaded on first use. */
export function sigstoreVerify(): typeof import('@sigstore/verify') {
  return require('@sigstore/verify') as typeof import('@sigstore/verify');
}

/** `@sigstore/bundle`, loaded on first use. */
export function sigstoreBundle(): typeof import('@sigstore/bundle') {
  return require('@sigstore/bundle') as typeof import('@sigstore/bundle');
}

/** `@sigstore/protobuf-specs`, loaded on first use. */
export function sigstoreSpecs(): typeof import('@sigstore/protobuf-specs') {
  return require('@sigstore/protobuf-specs') as typeof import('@sigstore/protobuf-specs');
}
