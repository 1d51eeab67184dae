/** Stable error codes of the schema/codec layer. */
export type ProtoErrorCode =
  | 'ERR_PROTO_UNKNOWN_TYPE'
  | 'ERR_PROTO_UNKNOWN_METHOD'
  | 'ERR_PROTO_DECODE'
  | 'ERR_PROTO_ENCODE'
  | 'ERR_PROTO_JSON'
  | 'ERR_POLICY_INPUT';

/**
 * The one error class of proto/ (schemas, codecs, policy-input translation). Callers map it to a
 * wire status in their own single conversion function; decoding errors mean "deny".
 */
export class ProtoError extends Error {
  /** Stable machine-readable code. */
  readonly code: ProtoErrorCode;

  constructor(code: ProtoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtoError';
    this.code = code;
  }
}
