import { MeasureError } from './errors.js';
import { JcsWriter } from './jcs-writer.js';

export {
  MAX_JSON_DEPTH,
  MEMBER_ORDER_CACHE_MAX_MEMBERS,
  MEMBER_ORDER_CACHE_SIZE,
} from './jcs-writer.js';

/** A JSON value as RFC 8785 understands it (I-JSON: finite numbers, well-formed strings). */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [k: string]: JsonValue };

/** How strictly values must already be JSON. */
export interface CanonicalizeOptions {
  /**
   * Accept what decoded requests hold, each in one fixed form: a bigint as the integer within
   * ±(2^53 − 1) and as a string of its decimal digits beyond; undefined as null; NaN and the
   * infinities as the strings "NaN", "Infinity", "-Infinity".
   */
  readonly lossless?: boolean;
}

// Canonicalization is synchronous and never re-entered, so one writer serves every call.
const writer = new JcsWriter();

/**
 * Serializes a JSON value in the JSON Canonicalization Scheme (RFC 8785): object members sorted
 * by their UTF-16 code units, no whitespace, numbers in ECMAScript's shortest round-trip form,
 * strings with only the mandatory escapes. Lone surrogates, non-finite numbers and anything that
 * is not JSON (undefined, functions, bigint, class instances) are rejected: a measurement must
 * never depend on how a serializer happens to coerce them. `opts.lossless` gives the few that
 * decoded requests hold one documented form instead.
 */
export function canonicalize(value: unknown, opts?: CanonicalizeOptions): string {
  writer.reset(0);
  writer.value(value, 0, opts?.lossless === true);
  return writer.buf.toString('utf8', 0, writer.length);
}

/**
 * The canonical form of `{...obj, [key]: value}` without building that object: the log adds
 * `seq` to every event this way. `key` must not already be a member.
 */
export function canonicalizeWithMember(
  obj: { readonly [k: string]: unknown },
  key: string,
  value: unknown,
  opts?: CanonicalizeOptions,
): string {
  writer.reset(0);
  writer.object(obj, 0, opts?.lossless === true, key, value);
  return writer.buf.toString('utf8', 0, writer.length);
}

/** Parses JSON text and returns its canonical form; throws ERR_MEASURE_BAD_INPUT on bad JSON. */
export function canonicalizeText(text: string): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new MeasureError('ERR_MEASURE_BAD_INPUT', `content is not JSON: ${(err as Error).message}`);
  }
  return canonicalize(v);
}
