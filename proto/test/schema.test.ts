import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs/light.js';
import {
  AGENT_SERVICE,
  decode,
  decodeToJson,
  encode,
  encodeFromJson,
  HEALTH_SERVICE,
  type MessageName,
  messageNames,
  messageType,
  ProtoError,
  SERVICES,
  serviceMethods,
  TASK_SERVICE,
} from '../index.js';

// Values chosen to hit every encoding edge: sign bits, 64-bit extremes, multi-byte varints.
const SIGNED64 = [-(2n ** 63n), 2n ** 63n - 1n, -1n];
const UNSIGNED64 = [2n ** 64n - 1n, 2n ** 53n + 1n, 300n];
const SCALARS: Record<string, readonly unknown[]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1, -1],
  sint32: [-(2 ** 31), 2 ** 31 - 1, -1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1, -1],
  uint32: [2 ** 32 - 1, 300, 1],
  fixed32: [2 ** 32 - 1, 300, 1],
  int64: SIGNED64,
  sint64: SIGNED64,
  sfixed64: SIGNED64,
  uint64: UNSIGNED64,
  fixed64: UNSIGNED64,
  bool: [true, true, true],
  string: ['é/ünï©ødé', 'x', 'a\u0000b'],
  bytes: [new Uint8Array([0, 255, 128, 1]), new Uint8Array([7]), new Uint8Array([0])],
  double: [1.5, -2.25e300, 0.1],
  float: [1.5, -2.25, 0.5],
};
const MAX_FILL_DEPTH = 12;

function scalar(field: protobuf.Field, i: number): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    const values = Object.values(rt.values);
    return values[values.length - 1 - (i % values.length)];
  }
  const options = SCALARS[field.type];
  assert.ok(options, `no sample for ${field.type}`);
  return options[i % options.length];
}

/** Every field of `type` set to a non-default value: repeated fields and maps get two entries. */
function fill(type: protobuf.Type, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const value = (i: number): unknown =>
      field.resolvedType instanceof protobuf.Type
        ? depth < MAX_FILL_DEPTH
          ? fill(field.resolvedType, depth + 1)
          : {}
        : scalar(field, i);
    if (field instanceof protobuf.MapField) out[field.name] = { 'k-one': value(0), 'k.two': value(1) };
    else if (field.repeated) out[field.name] = [value(0), value(1)];
    else out[field.name] = value(0);
  }
  return out;
}

/** Minimal independent wire walker: the set of field numbers present at the top level. */
function wireFields(bytes: Uint8Array): Map<number, number> {
  const seen = new Map<number, number>();
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    seen.set(tag >>> 3, tag & 7);
    r.skipType(tag & 7);
  }
  return seen;
}

const WIRE_TYPE: Record<string, number> = {
  double: 1,
  fixed64: 1,
  sfixed64: 1,
  float: 5,
  fixed32: 5,
  sfixed32: 5,
  string: 2,
  bytes: 2,
};

function expectedWireType(field: protobuf.Field): number {
  if (field instanceof protobuf.MapField || field.resolvedType instanceof protobuf.Type) return 2;
  if (field.repeated && field.type !== 'string' && field.type !== 'bytes') return 2; // proto3 packs scalars
  return WIRE_TYPE[field.type] ?? 0;
}

function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(
      Object.entries(v)
        .map(([k, x]) => [k, plain(x)] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  }
  return v;
}

// Kata's packages are `grpc` (agent, oci, csi, health) and `types`; the rest is containerd, ttrpc, google.
const isKata = (name: string): boolean => name.startsWith('grpc.') || name.startsWith('types.');
const KATA_MESSAGES = 113;
const OTHER_MESSAGES = 54;

test('every Kata agent and containerd message round-trips with all fields set', () => {
  const names = messageNames();
  assert.ok(names.length >= 160, `only ${names.length} messages`);
  let kata = 0;
  let containerd = 0;
  for (const name of names) {
    const type = messageType(name);
    if (isKata(name)) kata++;
    else containerd++;
    const filled = fill(type);
    const bytes = encode(name, filled as never);
    const decoded = decode(name, bytes);
    assert.deepEqual(plain(decoded), plain(filled), `${name}: decode(encode(x)) != x`);
    const again = encode(name, decoded as never);
    assert.deepEqual([...again], [...bytes], `${name}: re-encoding is not byte-identical`);

    // Every field reached the wire, with its declared number and wire type.
    const wire = wireFields(bytes);
    for (const field of type.fieldsArray) {
      assert.equal(
        wire.get(field.id),
        expectedWireType(field),
        `${name}.${field.name} (#${field.id}) on the wire`,
      );
    }
    assert.equal(wire.size, type.fieldsArray.length, `${name}: unexpected fields on the wire`);
  }
  assert.equal(kata, KATA_MESSAGES, 'Kata agent/oci/types/csi/health messages');
  assert.equal(containerd, OTHER_MESSAGES, 'containerd, ttrpc and google messages');
});

test('JSON form round-trips through encodeFromJson/decodeToJson for every message', () => {
  for (const name of messageNames()) {
    const bytes = encode(name, fill(messageType(name)) as never);
    const json = decodeToJson(name, bytes);
    const text = JSON.stringify(json);
    assert.deepEqual([...encodeFromJson(name, JSON.parse(text))], [...bytes], name);
  }
});

test('service tables: Kata agent, health, containerd task and events', () => {
  const agent = serviceMethods(AGENT_SERVICE);
  assert.equal(agent.length, 42, 'grpc.AgentService RPCs (kata-containers main, see docs/SCHEMAS.md)');
  assert.ok(
    agent.includes('GetDiagnosticData') && agent.includes('AddSwapPath') && agent.includes('SetPolicy'),
  );
  assert.deepEqual(serviceMethods(HEALTH_SERVICE), ['Check', 'Version']);
  assert.deepEqual(serviceMethods(TASK_SERVICE), [
    'State',
    'Create',
    'Start',
    'Delete',
    'Pids',
    'Pause',
    'Resume',
    'Checkpoint',
    'Kill',
    'Exec',
    'ResizePty',
    'CloseIO',
    'Update',
    'Wait',
    'Stats',
    'Connect',
    'Shutdown',
  ]);
  assert.equal(SERVICES['grpc.AgentService'].CopyFile.requestType, 'grpc.CopyFileRequest');
  assert.equal(SERVICES['grpc.AgentService'].UpdateInterface.responseType, 'types.Interface');
  assert.equal(SERVICES['containerd.services.events.ttrpc.v1.Events'].Forward.requestStream, false);
  for (const [svc, methods] of Object.entries(SERVICES)) {
    for (const [m, spec] of Object.entries(methods)) {
      assert.ok(messageType(spec.requestType), `${svc}/${m} request`);
      assert.ok(messageType(spec.responseType), `${svc}/${m} response`);
    }
  }
});

test('bad input is refused with ProtoError, never altered or crashing', () => {
  const bad: [MessageName, unknown][] = [
    ['grpc.CopyFileRequest', { file_size: 2n ** 63n }],
    ['grpc.CopyFileRequest', { file_mode: -1 }],
    ['grpc.CopyFileRequest', { uid: 2 ** 31 }],
    ['grpc.CopyFileRequest', { nope: 1 }],
    ['grpc.CopyFileRequest', { constructor: 1 }],
    ['grpc.CopyFileRequest', JSON.parse('{"__proto__": {"path": "x"}}')],
    ['grpc.CopyFileRequest', { path: 5 }],
    ['grpc.CreateContainerRequest', { OCI: 'x' }],
    ['grpc.CreateContainerRequest', { devices: {} }],
    ['types.Route', { family: 1.5 }],
  ];
  for (const [name, value] of bad) {
    assert.throws(
      () => encode(name, value as never),
      (e: unknown) => e instanceof ProtoError && e.code === 'ERR_PROTO_ENCODE',
      JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
    );
  }
  for (const json of [{ status: 'toString' }, { status: 'SERVING ' }, { status: 1.5 }]) {
    assert.throws(
      () => encodeFromJson('grpc.HealthCheckResponse', json),
      (e: unknown) => e instanceof ProtoError,
      JSON.stringify(json),
    );
  }
  assert.deepEqual([...encodeFromJson('grpc.HealthCheckResponse', { status: 'SERVING' })], [0x08, 0x01]);
  assert.throws(
    () => decode('grpc.CreateContainerRequest', new Uint8Array([0x0a, 0xff])),
    (e: unknown) => e instanceof ProtoError && e.code === 'ERR_PROTO_DECODE',
  );
  assert.throws(
    () => messageType('grpc.NoSuchThing'),
    (e: unknown) => e instanceof ProtoError && e.code === 'ERR_PROTO_UNKNOWN_TYPE',
  );
  // Random garbage: decoding either succeeds or throws ProtoError, nothing else.
  let seed = 7;
  for (let i = 0; i < 300; i++) {
    const len = (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 64;
    const buf = new Uint8Array(len);
    for (let j = 0; j < len; j++) buf[j] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff;
    try {
      decode('grpc.CreateContainerRequest', buf);
    } catch (e) {
      assert.ok(e instanceof ProtoError, String(e));
    }
  }
});

test('encodings that parsers read differently are refused (duplicate singular fields, two oneof members)', () => {
  const evil = encode('grpc.Spec', { Process: { Args: ['/bin/evil'] } });
  const benign = encode('grpc.Spec', { Hostname: 'ok' });
  // OCI (field 6) twice: Go and rust-protobuf merge both, protobufjs would keep only the second.
  const twice = Buffer.concat([
    encode('grpc.CreateContainerRequest', { container_id: 'c', OCI: {} }).subarray(0, 3),
    Buffer.from([0x32, evil.length]),
    evil,
    Buffer.from([0x32, benign.length]),
    benign,
  ]);
  assert.throws(
    () => decode('grpc.CreateContainerRequest', twice),
    (e: unknown) => e instanceof ProtoError && e.code === 'ERR_PROTO_DECODE' && /OCI/.test(e.message),
  );
  // The same inside a repeated element and a map value.
  const storage = encode('grpc.Storage', { fs_group: { group_id: 1 } });
  const dupStorage = Buffer.concat([storage, storage]);
  const sandbox = Buffer.concat([Buffer.from([0x1a, dupStorage.length]), dupStorage]);
  assert.throws(() => decode('grpc.CreateSandboxRequest', sandbox), /fs_group/);
  const hugetlb = encode('grpc.CgroupStats', { hugetlb_stats: { '2MB': { usage: 1n } } });
  const dupUsage = Buffer.from([0x08, 0x01, 0x08, 0x02]);
  const entry = Buffer.concat([
    Buffer.from([0x0a, 0x03]),
    Buffer.from('2MB'),
    Buffer.from([0x12, 4]),
    dupUsage,
  ]);
  assert.ok(hugetlb.length > 0);
  assert.throws(
    () => decode('grpc.CgroupStats', Buffer.concat([Buffer.from([0x2a, entry.length]), entry])),
    /usage/,
  );
  // A canonical encoding with repeated fields split across the wire is still fine.
  const two = Buffer.concat([
    encode('grpc.StringUser', { additionalGids: ['1'] }),
    encode('grpc.StringUser', { additionalGids: ['2'] }),
  ]);
  assert.deepEqual(decode('grpc.StringUser', two).additionalGids, ['1', '2']);
  // Two members of a oneof: refused as well.
  const errno = Buffer.concat([
    encode('grpc.LinuxSyscall', { errnoret: 1 }),
    encode('grpc.LinuxSyscall', { errnoret: 2 }),
  ]);
  assert.throws(() => decode('grpc.LinuxSyscall', errno), /errnoret/);
  // Invalid UTF-8 in a string field (Go and rust-protobuf reject it; protobufjs would not).
  assert.throws(
    () => decode('grpc.StartContainerRequest', Uint8Array.from([0x0a, 0x02, 0xc3, 0x28])),
    /not valid UTF-8/,
  );
  assert.throws(
    () => decode('grpc.CreateContainerRequest', Uint8Array.from([0x32, 0x04, 0x22, 0x02, 0xff, 0xfe])),
    /not valid UTF-8/,
  );
});
