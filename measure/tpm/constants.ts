/** TPM 2.0 Part 2 constants Ward's raw commands use. */

/** TPM_ST_NO_SESSIONS: a command or response without an authorization area. */
export const TPM_ST_NO_SESSIONS = 0x8001;
/** TPM_ST_SESSIONS: a command with an authorization area. */
export const TPM_ST_SESSIONS = 0x8002;
/** TPM_ST_ATTEST_QUOTE: TPMS_ATTEST.type of a quote. */
export const TPM_ST_ATTEST_QUOTE = 0x8018;
/** TPM_GENERATED_VALUE: TPMS_ATTEST.magic of every structure the TPM itself produced. */
export const TPM_GENERATED_VALUE = 0xff544347;

/** TPM_CC_PCR_Extend. */
export const TPM_CC_PCR_EXTEND = 0x00000182;
/** TPM_CC_PCR_Read. */
export const TPM_CC_PCR_READ = 0x0000017e;
/** TPM_CC_Quote. */
export const TPM_CC_QUOTE = 0x00000158;

/** TPM_RS_PW: the password authorization session (empty password here). */
export const TPM_RS_PW = 0x40000009;
/** TPM_ALG_NULL: "use the key's own scheme" in Quote's inScheme. */
export const TPM_ALG_NULL = 0x0010;
/** TPM_ALG_RSASSA. */
export const TPM_ALG_RSASSA = 0x0014;
/** TPM_ALG_RSAPSS. */
export const TPM_ALG_RSAPSS = 0x0016;
/** TPM_ALG_ECDSA. */
export const TPM_ALG_ECDSA = 0x0018;

/** TPM_RC_SUCCESS. */
export const TPM_RC_SUCCESS = 0;
/** Warning codes after which the same command may simply be sent again. */
export const TPM_RC_RETRYABLE: ReadonlySet<number> = new Set([
  0x0922 /* RETRY */, 0x0908 /* YIELDED */, 0x090a /* TESTING */,
]);
/** Attempts for a retryable response before giving up. */
export const TPM_MAX_RETRIES = 5;

/** PCRs of a PC Client TPM; sizeofSelect is 3 bytes. */
export const TPM_PCR_COUNT = 24;
/** Largest command or response Ward exchanges (TPM2 buffers are at most 4 KiB). */
export const TPM_MAX_MESSAGE = 4096;
