import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, encode, messageType } from '../index.js';

// ttrpc-rust src/proto.rs `protobuf_codec` test: a Request for grpc.TestServices/Test with a
// 9-byte payload, a 20 ms timeout and one metadata pair encodes to exactly these 67 bytes.
const PROTOBUF_REQUEST = Uint8Array.from([
  10, 17, 103, 114, 112, 99, 46, 84, 101, 115, 116, 83, 101, 114, 118, 105, 99, 101, 115, 18, 4, 84, 101, 115,
  116, 26, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 32, 128, 218, 196, 9, 42, 24, 10, 9, 116, 101, 115, 116, 95, 107,
  101, 121, 49, 18, 11, 116, 101, 115, 116, 95, 118, 97, 108, 117, 101, 49,
]);

test('ttrpc-rust golden Request (67 bytes) decodes and re-encodes byte for byte', () => {
  assert.equal(PROTOBUF_REQUEST.length, 67);
  const req = decode('ttrpc.Request', PROTOBUF_REQUEST);
  assert.equal(req.service, 'grpc.TestServices');
  assert.equal(req.method, 'Test');
  assert.deepEqual([...req.payload], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(req.timeout_nano, 20n * 1000n * 1000n);
  assert.deepEqual(req.metadata, [{ key: 'test_key1', value: 'test_value1' }]);
  assert.deepEqual([...encode('ttrpc.Request', req)], [...PROTOBUF_REQUEST]);
  // The same bytes from a freshly built request, as the Rust test builds it.
  const built = encode('ttrpc.Request', {
    service: 'grpc.TestServices',
    method: 'Test',
    timeout_nano: 20_000_000,
    metadata: [{ key: 'test_key1', value: 'test_value1' }],
    payload: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]),
  });
  assert.deepEqual([...built], [...PROTOBUF_REQUEST]);
});

// Field numbers and types that matter on the wire, checked against the upstream .proto files.
const SPOT_CHECKS: [string, string, number, string][] = [
  ['ttrpc.Request', 'timeout_nano', 4, 'int64'],
  ['ttrpc.Request', 'metadata', 5, 'ttrpc.KeyValue'],
  ['ttrpc.Response', 'status', 1, 'google.rpc.Status'],
  ['ttrpc.Response', 'payload', 2, 'bytes'],
  ['google.rpc.Status', 'details', 3, 'google.protobuf.Any'],
  ['containerd.task.v2.CreateTaskRequest', 'options', 10, 'google.protobuf.Any'],
  ['containerd.task.v2.CreateTaskRequest', 'oom_path', 11, 'string'],
  ['containerd.task.v2.StateResponse', 'exec_id', 11, 'string'],
  ['containerd.task.v2.StateResponse', 'status', 4, 'containerd.v1.types.Status'],
  ['containerd.task.v2.ConnectResponse', 'task_pid', 2, 'uint32'],
  ['containerd.types.Mount', 'target', 3, 'string'],
  ['containerd.types.Envelope', 'event', 4, 'google.protobuf.Any'],
  ['containerd.events.TaskExit', 'exit_reason', 6, 'containerd.v1.types.ExitReason'],
  ['runtimeoptions.v1.Options', 'config_path', 2, 'string'],
  ['grpc.CreateContainerRequest', 'OCI', 6, 'grpc.Spec'],
  ['grpc.CreateContainerRequest', 'shared_mounts', 8, 'grpc.SharedMount'],
  ['grpc.CreateContainerRequest', 'stderr_port', 11, 'uint32'],
  ['grpc.ReseedRandomDevRequest', 'data', 2, 'bytes'],
  ['grpc.FSGroup', 'group_id', 2, 'uint32'],
  ['grpc.FSGroup', 'group_change_policy', 3, 'types.FSGroupChangePolicy'],
  ['grpc.Storage', 'fs_group', 7, 'grpc.FSGroup'],
  ['grpc.Storage', 'shared', 8, 'bool'],
  ['grpc.AddSwapPathRequest', 'path', 1, 'string'],
  ['grpc.GetDiagnosticDataRequest', 'container_id', 2, 'string'],
  ['grpc.GetDiagnosticDataResponse', 'data', 1, 'string'],
  ['grpc.CopyFileRequest', 'data', 8, 'bytes'],
  ['grpc.CopyFileRequest', 'uid', 5, 'int32'],
  ['grpc.Spec', 'Annotations', 7, 'string'],
  ['grpc.Process', 'OOMScoreAdj', 11, 'int64'],
  ['grpc.LinuxSyscall', 'errnoret', 3, 'uint32'],
  ['grpc.LinuxSyscall', 'Args', 4, 'grpc.LinuxSeccompArg'],
  ['types.Interface', 'type', 7, 'string'],
  ['types.Interface', 'raw_flags', 8, 'uint32'],
  ['types.Route', 'family', 6, 'types.IPFamily'],
  ['grpc.MemAgentCompactConfig', 'compact_sec_max', 5, 'int64'],
  ['grpc.SetGuestDateTimeRequest', 'Usec', 2, 'int64'],
  ['grpc.HealthCheckResponse', 'status', 1, 'grpc.HealthCheckResponse.ServingStatus'],
];

test('field numbers and types match upstream for well-known fields', () => {
  for (const [type, field, id, fieldType] of SPOT_CHECKS) {
    const f = messageType(type).fields[field];
    assert.ok(f, `${type}.${field} exists`);
    assert.equal(f.id, id, `${type}.${field} number`);
    const resolved = f.resolvedType ? f.resolvedType.fullName.slice(1) : f.type;
    assert.equal(resolved, fieldType, `${type}.${field} type`);
  }
  assert.deepEqual(
    messageType('grpc.LinuxSyscall').oneofs.ErrnoRet?.fieldsArray.map((f) => f.name),
    ['errnoret'],
  );
  assert.equal(messageType('grpc.MemAgentMemcgConfig').fields.disabled?.partOf?.name, '_disabled');
});

test('known encodings: small messages match hand-computed bytes', () => {
  // StateRequest{id:"x"}: tag 1/LEN, len 1, 'x'.
  assert.deepEqual([...encode('containerd.task.v2.StateRequest', { id: 'x' })], [0x0a, 0x01, 0x78]);
  // Status{code:5 NOT_FOUND, message:"a"}.
  assert.deepEqual(
    [...encode('google.rpc.Status', { code: 5, message: 'a' })],
    [0x08, 0x05, 0x12, 0x01, 0x61],
  );
  // Packed repeated uint64 (proto3 default), as Go and Rust emit it.
  assert.deepEqual(
    [...encode('grpc.MemHotplugByProbeRequest', { memHotplugProbeAddr: [1n, 300n] })],
    [0x0a, 0x03, 0x01, 0xac, 0x02],
  );
  // Negative int32 is a 10-byte varint on the wire.
  assert.equal(encode('grpc.CopyFileRequest', { uid: -1 }).length, 11);
});
