import type { KeyValue } from './envelope.js';

/**
 * ttrpc metadata travels as an ordered list of `ttrpc.KeyValue` in the Request. Go's ttrpc treats
 * keys case-insensitively (it lower-cases them) and allows several values per key; these helpers
 * do the same without turning the list into a map on the hot path.
 */

/** Every value of `key` (case-insensitive), in wire order. */
export function metadataValues(metadata: readonly KeyValue[], key: string): string[] {
  const k = key.toLowerCase();
  const out: string[] = [];
  for (const kv of metadata) if (kv.key.toLowerCase() === k) out.push(kv.value);
  return out;
}

/** Builds a metadata list from a record, lower-casing keys as Go's `ttrpc.MD` does. */
export function metadataFromRecord(record: Readonly<Record<string, string | readonly string[]>>): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, v] of Object.entries(record)) {
    const k = key.toLowerCase();
    if (typeof v === 'string') out.push({ key: k, value: v });
    else for (const value of v) out.push({ key: k, value });
  }
  return out;
}

/** Groups a metadata list into a record of value lists (lower-cased keys). */
export function metadataToRecord(metadata: readonly KeyValue[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const kv of metadata) (out[kv.key.toLowerCase()] ??= []).push(kv.value);
  return out;
}
