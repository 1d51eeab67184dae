import type { ServiceError, status } from '@grpc/grpc-js';
import { asIdentityError } from '../errors.js';
import { grpc } from '../lazy-deps.js';

/** The one place plugin errors become gRPC statuses. */
export function toGrpcError(err: unknown): Partial<ServiceError> {
  const e = asIdentityError(err, 'ERR_IDENTITY_STATE');
  const { status: codes } = grpc();
  let code: status;
  switch (e.code) {
    case 'ERR_IDENTITY_PROCESS_GONE':
    case 'ERR_IDENTITY_NOT_FOUND':
      code = codes.NOT_FOUND;
      break;
    case 'ERR_IDENTITY_BAD_ARGUMENT':
    case 'ERR_IDENTITY_CONFIG':
      code = codes.INVALID_ARGUMENT;
      break;
    case 'ERR_IDENTITY_NOT_CONFIGURED':
    case 'ERR_IDENTITY_CGROUP':
      code = codes.FAILED_PRECONDITION;
      break;
    case 'ERR_IDENTITY_UNAVAILABLE':
    case 'ERR_IDENTITY_PEER_DENIED':
      code = codes.UNAVAILABLE;
      break;
    default:
      code = codes.INTERNAL;
  }
  return { code, details: e.message, message: e.message };
}
