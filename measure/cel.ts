import type { LogRecord } from './record.js';

/** CEL-TLV top-level types (TCG Canonical Event Log, TLV encoding). */
export const CEL_TLV = { recnum: 0, pcr: 1, nvIndex: 2, digests: 3, mgmt: 4, pcclientStd: 5 } as const;
/** Types nested in a pcclient_std content TLV. */
export const CEL_PCCLIENT = { eventType: 0, eventData: 1 } as const;

/** One CEL record in the JSON encoding. */
export interface CelJsonRecord {
  readonly recnum: number;
  readonly pcr: number;
  readonly digests: readonly { readonly hashAlg: string; readonly digest: string }[];
  readonly content_type: 'pcclient_std';
  readonly content: { readonly event_type: number; readonly event_data: string };
}

/**
 * Converts records to CEL-JSON: recnum, pcr (the MR index), digests by algorithm name, and the
 * pcclient_std content with the EV_EVENT_TAG type and the base64 tagged-event bytes, so a CEL
 * consumer recomputes the same digests.
 */
export function toCelJson(records: readonly LogRecord[]): CelJsonRecord[] {
  return records.map((r) => ({
    recnum: r.index,
    pcr: r.mrIndex,
    digests: [{ hashAlg: r.alg.name, digest: r.digest.toString('hex') }],
    content_type: 'pcclient_std',
    content: { event_type: 6, event_data: r.eventData.toString('base64') },
  }));
}

function tlv(type: number, value: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h.writeUInt8(type, 0);
  h.writeUInt32BE(value.length, 1);
  return Buffer.concat([h, value]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/**
 * Converts records to CEL-TLV: each field is type (u8), length (u32 big-endian), value. recnum
 * is a u64, pcr a u32, digests a TLV list whose types are TPM_ALG_IDs (low byte), and the
 * pcclient_std content nests event_type (u32) and event_data.
 */
export function toCelTlv(records: readonly LogRecord[]): Buffer {
  const out: Buffer[] = [];
  for (const r of records) {
    const rec = Buffer.alloc(8);
    rec.writeBigUInt64BE(BigInt(r.index));
    out.push(
      tlv(CEL_TLV.recnum, rec),
      tlv(CEL_TLV.pcr, u32(r.mrIndex)),
      tlv(CEL_TLV.digests, tlv(r.alg.tpmId & 0xff, r.digest)),
      tlv(
        CEL_TLV.pcclientStd,
        Buffer.concat([tlv(CEL_PCCLIENT.eventType, u32(6)), tlv(CEL_PCCLIENT.eventData, r.eventData)]),
      ),
    );
  }
  return Buffer.concat(out);
}
