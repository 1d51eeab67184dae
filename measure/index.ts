/**
 * measure/: Ward's measurement log (CoCo AAEL records in TCG_PCR_EVENT2 form), its register
 * backends (software, TPM PCR, TDX RTMR), crash-safe appends, replay and verification, init-data
 * and TCG Canonical Event Log export. It knows logs and registers, not policies.
 */

export type { AaRegister } from './aa.js';
export { AA_EXTEND_METHOD, AA_SERVICE, AA_TIMEOUT_MS, encodeExtendRequest } from './aa-wire.js';
export {
  algById,
  algByName,
  digest,
  extendValue,
  fromHex,
  type HashAlg,
  hex,
  SHA256,
  SHA384,
  SHA512,
} from './alg.js';
export { bindInitData, type InitDataBinding, type InitDataBindings } from './bind.js';
export { CEL_PCCLIENT, CEL_TLV, type CelJsonRecord, toCelJson, toCelTlv } from './cel.js';
export { MeasureError, type MeasureErrorCode } from './errors.js';
export {
  type AgentEventInput,
  agentEventContent,
  agentOperation,
  BULK_DATA_FIELDS,
  type Decision,
  OP_INITDATA,
  OP_POLICY,
  payloadSummary,
  policyEventContent,
  WARD_DOMAIN,
} from './events.js';
export { isMemoryBacked } from './file-io.js';
export {
  decodeAnnotation,
  decodeBlockDevice,
  encodeAnnotation,
  encodeBlockDevice,
  expectedInitDataPcr8,
  INITDATA_ANNOTATION,
  INITDATA_MAGIC,
  INITDATA_PCR,
  type InitData,
  initDataDigest,
  MAX_INITDATA_SIZE,
  parseInitData,
  readInitData,
  TEE_FIELD_SIZE,
  teeField,
} from './initdata.js';
export {
  type CanonicalizeOptions,
  canonicalize,
  canonicalizeText,
  canonicalizeWithMember,
  type JsonValue,
  MAX_JSON_DEPTH,
} from './jcs.js';
export {
  type AppendOptions,
  type AppendResult,
  type EventContent,
  type LogOptions,
  MAX_GROUP_COMMIT,
  MeasurementLog,
} from './log.js';
export {
  parseAttest,
  parsePcrFile,
  parseSignature,
  type QuoteCheck,
  type QuoteInfo,
  verifyQuote,
} from './quote.js';
export {
  AAEL_TAGGED_EVENT_ID,
  type AaelEvent,
  EV_EVENT_TAG,
  encodeRecord,
  type LogRecord,
  MAX_EVENT_TEXT,
  type ParsedLog,
  parseLog,
  taggedEventData,
} from './record.js';
export type { RecoveryReport } from './recovery.js';
export { initialValueFor, type Register } from './register.js';
export {
  compareRegister,
  defaultReplayWorkers,
  PARALLEL_REPLAY_MIN_BYTES,
  type ReplayOptions,
  type ReplayResult,
  replay,
  replayBytes,
  SEQ_MEMBER,
} from './replay.js';
export { SoftwareRegister } from './software.js';
export { DEFAULT_REGISTER_SPEC, openRegister, type ParsedSpec, parseSpec } from './spec.js';
export { FileSysfs, rtmrToMrIndex, TDX_SYSFS_ROOT, TdxRegister, type TdxSysfs } from './tdx.js';
export { DEFAULT_TPM_PCR, expectedPcr, TpmRegister } from './tpm/register.js';
export { SwtpmSocketTransport, type TpmTransport } from './tpm/transport.js';
export { describeSummary, type VerifySummary, type VerifyTarget, verifyLogBytes } from './verify.js';
export { WASM_SHA_MAX_INPUT, wasmSha } from './wasm-sha512.js';
