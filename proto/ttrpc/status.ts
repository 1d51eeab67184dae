/** gRPC status codes (google.rpc.Code), carried in `ttrpc.Response.status.code`. */
export const StatusCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A gRPC status code number. Codes outside 0..16 received from a peer are kept as they are. */
export type StatusCode = number;

const NAMES: readonly string[] = Object.keys(StatusCode);

/** The upper-case name of a status code (`NOT_FOUND`), or `CODE_<n>` for codes outside the table. */
export function statusCodeName(code: number): string {
  return NAMES[code] ?? `CODE_${code}`;
}

/** A `google.protobuf.Any`: a type URL and the serialized message. */
export interface AnyMessage {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

/** A `google.rpc.Status`: the outcome of a call. */
export interface RpcStatus {
  readonly code: number;
  readonly message: string;
  readonly details: readonly AnyMessage[];
}

/** The OK status, shared: statuses are immutable. */
export const OK_STATUS: RpcStatus = Object.freeze({
  code: StatusCode.OK,
  message: '',
  details: Object.freeze([]),
});
