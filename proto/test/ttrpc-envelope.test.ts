import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeRequest,
  decodeResponse,
  encodeHeader,
  encodeRequest,
  encodeResponse,
  readHeader,
  StatusCode,
  TtrpcError,
  TtrpcErrorCode,
} from '../ttrpc/index.js';

// ttrpc-rust src/proto.rs test `protobuf_codec`: the 67-byte golden Request.
const GOLDEN_REQUEST = Buffer.from([
  10, 17, 103, 114, 112, 99, 46, 84, 101, 115, 116, 83, 101, 114, 118, 105, 99, 101, 115, 18, 4, 84, 101, 115,
  116, 26, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 32, 128, 218, 196, 9, 42, 24, 10, 9, 116, 101, 115, 116, 95, 107,
  101, 121, 49, 18, 11, 116, 101, 115, 116, 95, 118, 97, 108, 117, 101, 49,
]);

test('the 67-byte golden Request from ttrpc-rust decodes and re-encodes byte for byte', () => {
  assert.equal(GOLDEN_REQUEST.length, 67);
  const req = decodeRequest(GOLDEN_REQUEST);
  assert.equal(req.service, 'grpc.TestServices');
  assert.equal(req.method, 'Test');
  assert.deepEqual([...req.payload], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(req.timeoutNano, 20_000_000);
  assert.deepEqual(req.metadata, [{ key: 'test_key1', value: 'test_value1' }]);
  assert.deepEqual(encodeRequest(req), GOLDEN_REQUEST);
});

test('frame headers are big-endian length, stream id, type, flags (ttrpc-rust header vector)', () => {
  const raw = Buffer.from([0x10, 0, 0, 0, 0, 0, 0, 0x03, 0x02, 0xef]);
  const h = readHeader(raw);
  assert.deepEqual(h, { length: 0x1000_0000, streamId: 3, type: 2, flags: 0xef });
  assert.deepEqual(encodeHeader(h), raw);
});

test('Response with status details round-trips; negative codes use 10-byte varints', () => {
  const res = {
    status: {
      code: StatusCode.NOT_FOUND,
      message: 'container "x" not found',
      details: [{ typeUrl: 'type.googleapis.com/x.Y', value: Buffer.from([1, 2, 3]) }],
    },
    payload: Buffer.from('pay'),
  };
  const enc = encodeResponse(res);
  const dec = decodeResponse(enc);
  assert.equal(dec.status?.code, StatusCode.NOT_FOUND);
  assert.equal(dec.status?.message, 'container "x" not found');
  assert.equal(dec.status?.details[0]?.typeUrl, 'type.googleapis.com/x.Y');
  assert.deepEqual([...(dec.status?.details[0]?.value ?? [])], [1, 2, 3]);
  assert.equal(Buffer.from(dec.payload).toString(), 'pay');

  const neg = encodeResponse({ status: { code: -2, message: '', details: [] }, payload: new Uint8Array(0) });
  // 0a <len> 08 <10-byte varint>
  assert.equal(neg.length, 2 + 1 + 10);
  assert.equal(decodeResponse(neg).status?.code, -2);
});

test('an OK response omits the status field, byte for byte as Go ttrpc 1.1 sends it', () => {
  const enc = encodeResponse({ status: undefined, payload: Buffer.from([0x0a, 0x01, 0x41]) });
  // Captured from Debian's Go ttrpc server answering Echo(BytesValue "A").
  assert.deepEqual(enc.toString('hex'), '12030a0141');
  assert.equal(decodeResponse(enc).status, undefined);
  assert.equal(
    encodeResponse({ status: { code: 0, message: '', details: [] }, payload: new Uint8Array(0) }).length,
    0,
  );
  // Captured: Fail("5:x") answered with status {code 5, message "x"}.
  const fail = encodeResponse({ status: { code: 5, message: 'x', details: [] }, payload: new Uint8Array(0) });
  assert.equal(fail.toString('hex'), '0a050805120178');
});

test('negative and large timeouts round-trip as int64', () => {
  for (const t of [-1, -1_000_000, 1, 2 ** 40, 2 ** 52]) {
    const enc = encodeRequest({
      service: 's',
      method: 'm',
      payload: new Uint8Array(0),
      timeoutNano: t,
      metadata: [],
    });
    assert.equal(decodeRequest(enc).timeoutNano, t);
  }
});

test('unknown fields are skipped; malformed envelopes fail with ERR_TTRPC_DECODE', () => {
  // field 9 varint, field 10 fixed32, field 11 fixed64, then service
  const withUnknown = Buffer.from([
    0x48, 0x01, 0x55, 1, 2, 3, 4, 0x59, 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x01, 0x73,
  ]);
  assert.equal(decodeRequest(withUnknown).service, 's');
  const bad: Buffer[] = [
    Buffer.from([0x0a, 0x05, 0x61]), // truncated string
    Buffer.from([0x08, 0x01]), // service with varint wire type
    Buffer.from([0x20]), // truncated varint
    Buffer.from([0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 11-byte varint
    Buffer.from([0x00, 0x00]), // field number 0
    Buffer.from([0x0b]), // start group
    Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // length beyond buffer
  ];
  for (const b of bad) {
    assert.throws(
      () => decodeRequest(b),
      (e: unknown) => e instanceof TtrpcError && e.code === TtrpcErrorCode.DECODE && e.message.length > 0,
      b.toString('hex'),
    );
  }
  assert.throws(() => decodeResponse(Buffer.from([0x0a, 0x02, 0x08])), TtrpcError);
});
