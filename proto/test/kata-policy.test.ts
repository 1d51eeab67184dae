import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  AGENT_SERVICE,
  decode,
  encode,
  KATA_POLICY_CURRENT,
  KATA_POLICY_LEGACY,
  KATA_POLICY_LEGACY_PASSFD,
  type KataPolicyProfile,
  type MessageName,
  messageType,
  NOT_FAST,
  ProtoError,
  policyEndpoint,
  policyInputFromRequest,
  policyInputFromWire,
  policyInputOfType,
  policyInputValue,
  requestFromPolicyInput,
  SERVICES,
} from '../index.js';

// dist/proto/test/<file>.js → project root → ../shared/conformance (see shared/conformance/README.md).
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CORPUS = join(ROOT, '..', 'shared', 'conformance', 'kata-policy', 'regorus-kata-tests');

// The corpus was recorded from two agent generations; k8s-policy-pod's agent already sent the
// passfd ports in CreateContainerRequest (see docs/SCHEMAS.md).
const PROFILE_OF: Record<string, KataPolicyProfile> = { 'k8s-policy-pod': KATA_POLICY_LEGACY_PASSFD };
const LINE_RE = /^\["ep":"(\w+)",(.*)\],?$/;

/** Agent request types by policy endpoint name (the short message name). */
const REQUEST_TYPES = new Map<string, MessageName>(
  Object.values(SERVICES[AGENT_SERVICE]).map((m) => [policyEndpoint(m.requestType), m.requestType]),
);

test('regorus Kata corpus: policy JSON → request → bytes → request → policy JSON is exact', (t) => {
  if (!existsSync(CORPUS)) {
    t.skip(`conformance corpus not found at ${CORPUS}`);
    return;
  }
  const folders = readdirSync(CORPUS).sort();
  assert.ok(folders.length >= 6, 'corpus folders');
  let checked = 0;
  const endpoints = new Set<string>();
  for (const folder of folders) {
    const profile = PROFILE_OF[folder] ?? KATA_POLICY_LEGACY;
    const lines = readFileSync(join(CORPUS, folder, 'inputs.txt'), 'utf8').split('\n');
    let inFolder = 0;
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const m = LINE_RE.exec(line.trim());
      assert.ok(m, `${folder}:${i + 1}: unrecognised line`);
      const [, ep, json] = m as unknown as [string, string, string];
      // Not a request: the agent asks this once, with `{}`, when a policy is set.
      if (ep === 'AllowRequestsFailingPolicy') return;
      const typeName = REQUEST_TYPES.get(ep);
      assert.ok(typeName, `${folder}:${i + 1}: ${ep} is not an agent request`);
      const where = `${folder}:${i + 1} ${ep}`;
      const request = requestFromPolicyInput(typeName, json, profile);
      const bytes = encode(typeName, request as never);
      const back = decode(typeName, bytes);
      assert.equal(policyInputFromRequest(typeName, back, profile), json, where);
      endpoints.add(ep);
      inFolder++;
    });
    assert.ok(inFolder > 0, `${folder}: no requests`);
    checked += inFolder;
  }
  assert.equal(checked, 237, 'requests in the corpus');
  assert.deepEqual([...endpoints].sort(), [
    'CopyFileRequest',
    'CreateContainerRequest',
    'CreateSandboxRequest',
    'ExecProcessRequest',
    'GetOOMEventRequest',
    'GuestDetailsRequest',
    'OnlineCPUMemRequest',
    'StartContainerRequest',
    'UpdateEphemeralMountsRequest',
    'UpdateInterfaceRequest',
    'UpdateRoutesRequest',
    'WaitProcessRequest',
  ]);
});

test('serde shape details: type_, nulls, enums, bytes, 64-bit, maps, oneofs, optionals', () => {
  const iface = policyInputFromRequest('grpc.UpdateInterfaceRequest', {
    interface: {
      device: 'eth0',
      name: 'eth0',
      IPAddresses: [{ family: 1, address: 'fe80::1', mask: '64' }],
      mtu: 18446744073709551615n,
      hwAddr: '',
      devicePath: '',
      type: 'veth',
      raw_flags: 0,
    },
  });
  assert.equal(
    iface,
    '{"interface":{"device":"eth0","name":"eth0","IPAddresses":[{"family":1,"address":"fe80::1","mask":"64"}],' +
      '"mtu":18446744073709551615,"hwAddr":"","devicePath":"","type_":"veth","raw_flags":0}}',
  );
  const syscall = decode(
    'grpc.LinuxSyscall',
    encode('grpc.LinuxSyscall', { Names: ['ptrace'], Action: 'SCMP_ACT_ERRNO', errnoret: 1 }),
  );
  assert.equal(
    policyInputFromRequest('grpc.LinuxSyscall', syscall),
    '{"Names":["ptrace"],"Action":"SCMP_ACT_ERRNO","Args":[],"ErrnoRet":{"errnoret":1}}',
  );
  const noErrno = decode('grpc.LinuxSyscall', encode('grpc.LinuxSyscall', { Names: [] }));
  assert.equal(
    policyInputFromRequest('grpc.LinuxSyscall', noErrno),
    '{"Names":[],"Action":"","Args":[],"ErrnoRet":null}',
  );
  const memcg = decode(
    'grpc.MemAgentMemcgConfig',
    encode('grpc.MemAgentMemcgConfig', { swap: false, period_secs: 60n }),
  );
  assert.equal(
    policyInputFromRequest('grpc.MemAgentMemcgConfig', memcg),
    '{"disabled":null,"swap":false,"swappiness_max":null,"period_secs":60,"period_psi_percent_limit":null,' +
      '"eviction_psi_percent_limit":null,"eviction_run_aging_count_min":null}',
  );
  const write = decode(
    'grpc.WriteStreamRequest',
    encode('grpc.WriteStreamRequest', { container_id: 'c', data: Uint8Array.from([0, 255]) }),
  );
  assert.equal(
    policyInputFromRequest('grpc.WriteStreamRequest', write),
    '{"container_id":"c","exec_id":"","data":[0,255]}',
  );
  // Each shape survives the way back too.
  for (const [name, msg] of [
    ['grpc.LinuxSyscall', syscall],
    ['grpc.LinuxSyscall', noErrno],
    ['grpc.MemAgentMemcgConfig', memcg],
    ['grpc.WriteStreamRequest', write],
  ] as const) {
    const text = policyInputFromRequest(name, msg);
    assert.equal(policyInputFromRequest(name, requestFromPolicyInput(name, text)), text, name);
  }
});

test('CopyFile: current file_type form, legacy symlink_src form, data never shown', () => {
  const link = decode(
    'grpc.CopyFileRequest',
    encode('grpc.CopyFileRequest', {
      path: '/run/kata-containers/shared/containers/x/..data',
      file_mode: 0o120777,
      data: new TextEncoder().encode('..2024_05_08'),
      file_size: 12,
    }),
  );
  assert.equal(
    policyInputFromRequest('grpc.CopyFileRequest', link, KATA_POLICY_CURRENT),
    '{"path":"/run/kata-containers/shared/containers/x/..data","file_type":"Symlink","symlink_target":"..2024_05_08",' +
      '"file_size":12,"file_mode":41471,"dir_mode":0,"uid":0,"gid":0,"offset":0}',
  );
  assert.equal(
    policyInputFromRequest('grpc.CopyFileRequest', link, KATA_POLICY_LEGACY),
    '{"path":"/run/kata-containers/shared/containers/x/..data","file_size":12,"file_mode":41471,"dir_mode":0,' +
      '"uid":0,"gid":0,"offset":0,"symlink_src":"..2024_05_08"}',
  );
  const file = decode(
    'grpc.CopyFileRequest',
    encode('grpc.CopyFileRequest', { path: '/run/f', file_mode: 0o100644, data: Uint8Array.from([1, 2, 3]) }),
  );
  const current = policyInputFromRequest('grpc.CopyFileRequest', file);
  assert.match(current, /"file_type":"Regular","symlink_target":null/);
  assert.doesNotMatch(current, /data/);
  const dir = decode('grpc.CopyFileRequest', encode('grpc.CopyFileRequest', { file_mode: 0o040755 }));
  assert.match(policyInputFromRequest('grpc.CopyFileRequest', dir), /"file_type":"Directory"/);
  for (const msg of [link, dir]) {
    const text = policyInputFromRequest('grpc.CopyFileRequest', msg);
    assert.equal(
      policyInputFromRequest('grpc.CopyFileRequest', requestFromPolicyInput('grpc.CopyFileRequest', text)),
      text,
    );
  }
  const badLink = decode(
    'grpc.CopyFileRequest',
    encode('grpc.CopyFileRequest', { file_mode: 0o120777, data: Uint8Array.from([0xff, 0xfe]) }),
  );
  for (const profile of [KATA_POLICY_CURRENT, KATA_POLICY_LEGACY]) {
    assert.throws(
      () => policyInputFromRequest('grpc.CopyFileRequest', badLink, profile),
      (e: unknown) => e instanceof ProtoError && e.code === 'ERR_POLICY_INPUT',
    );
  }
});

test("a field the profile's agent lacks must be unset: its policy could not judge it", () => {
  const withPorts = decode(
    'grpc.ExecProcessRequest',
    encode('grpc.ExecProcessRequest', { container_id: 'c', stdin_port: 7 }),
  );
  assert.match(
    policyInputFromRequest('grpc.ExecProcessRequest', withPorts, KATA_POLICY_CURRENT),
    /"stdin_port":7/,
  );
  assert.throws(
    () => policyInputFromRequest('grpc.ExecProcessRequest', withPorts, KATA_POLICY_LEGACY),
    (e: unknown) => e instanceof ProtoError && e.code === 'ERR_POLICY_INPUT' && /stdin_port/.test(e.message),
  );
  const shared = decode(
    'grpc.CreateSandboxRequest',
    encode('grpc.CreateSandboxRequest', { storages: [{ shared: true }] }),
  );
  assert.throws(
    () => policyInputFromRequest('grpc.CreateSandboxRequest', shared, KATA_POLICY_LEGACY_PASSFD),
    /shared/,
  );
  const unset = decode('grpc.ExecProcessRequest', encode('grpc.ExecProcessRequest', { container_id: 'c' }));
  assert.doesNotMatch(policyInputFromRequest('grpc.ExecProcessRequest', unset, KATA_POLICY_LEGACY), /port/);
});

test('policy JSON that the agent would never produce is refused', () => {
  const refused: [MessageName, string][] = [
    ['grpc.StartContainerRequest', '{"container_id":"a","extra":1}'],
    ['grpc.StartContainerRequest', '{"container_id":1}'],
    ['grpc.StartContainerRequest', '[]'],
    ['grpc.StartContainerRequest', '{"container_id":"a"'],
    ['grpc.StartContainerRequest', '{"container_id":"a","container_id":"b"}'],
    ['grpc.UpdateInterfaceRequest', '{"interface":{"type":"veth"}}'],
    ['grpc.RemoveContainerRequest', '{"timeout":4294967296}'],
    ['grpc.CopyFileRequest', '{"file_size":9223372036854775808}'],
    ['grpc.CopyFileRequest', '{"file_mode":33188,"file_type":"Symlink","symlink_target":"x"}'],
    ['grpc.CopyFileRequest', '{"file_mode":33188,"file_type":"Regular","symlink_target":"x"}'],
    ['grpc.WriteStreamRequest', '{"data":[256]}'],
    ['grpc.LinuxSyscall', '{"ErrnoRet":{"errnoret":1,"x":2}}'],
  ];
  for (const [name, text] of refused) {
    assert.throws(
      () => requestFromPolicyInput(name, text),
      (e: unknown) =>
        e instanceof ProtoError && (e.code === 'ERR_POLICY_INPUT' || e.code.startsWith('ERR_PROTO')),
      `${name} ${text}`,
    );
  }
  // A parsed value whose 64-bit number may already be rounded is refused, not guessed at.
  for (const [name, value] of [
    ['grpc.SetGuestDateTimeRequest', { Sec: 2 ** 60, Usec: 0 }],
    ['grpc.CopyFileRequest', { file_size: 2 ** 60 }],
  ] as const) {
    assert.throws(
      () => requestFromPolicyInput(name, value),
      (e: unknown) => e instanceof ProtoError && e.code === 'ERR_POLICY_INPUT',
      name,
    );
  }
  // 64-bit values beyond 2^53 stay exact both ways.
  const big = '{"Sec":9223372036854775807,"Usec":-9223372036854775808}';
  const msg = requestFromPolicyInput('grpc.SetGuestDateTimeRequest', big);
  assert.equal(msg.Sec, 2n ** 63n - 1n);
  assert.equal(policyInputFromRequest('grpc.SetGuestDateTimeRequest', msg), big);
});

// Random requests of every agent RPC (all profiles): policy text → request → policy text is the
// identity, and for every type but CopyFile (whose data the policy never sees) so are the bytes.
const RANDOM_ROUNDS = 40;
const RANDOM_DEPTH = 6;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const STRINGS = ['', 'a', 'é"\\/\n\t\u0001\u2028', '日本語', '😀x', 'type', '{"x":1}'];

function randomScalar(type: string, r: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  switch (type) {
    case 'string':
      return pick(STRINGS);
    case 'bool':
      return r() < 0.5;
    case 'bytes':
      return Uint8Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * 256));
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return pick([0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 4096]);
    case 'uint32':
    case 'fixed32':
      return pick([0, 1, 2 ** 32 - 1, 0o120777, 0o100644, 0o040755]);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return pick([0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n]);
    case 'uint64':
    case 'fixed64':
      return pick([0n, 1n, 2n ** 64n - 1n, 2n ** 53n + 1n]);
    default:
      return 0;
  }
}

function randomMessage(
  type: ReturnType<typeof messageType>,
  r: () => number,
  depth: number,
  profile: KataPolicyProfile,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const oneofDone = new Set<string>();
  const hidden = profile.absent[type.fullName.slice(1)] ?? [];
  for (const f of type.fieldsArray) {
    // Fields the profile's agent lacks stay unset (setting them is refused, tested above).
    if (hidden.includes(f.name) || r() < 0.3) continue;
    if (f.partOf && f.partOf.fieldsArray.length > 1) {
      if (oneofDone.has(f.partOf.name)) continue;
      oneofDone.add(f.partOf.name);
    }
    const one = (): unknown => {
      const rt = f.resolvedType;
      if (rt && 'fieldsArray' in rt)
        return depth < RANDOM_DEPTH ? randomMessage(rt, r, depth + 1, profile) : {};
      if (rt && 'values' in rt) {
        const vals = Object.values(rt.values);
        return vals[Math.floor(r() * vals.length)];
      }
      return randomScalar(f.type, r);
    };
    const n = Math.floor(r() * 3);
    if ('keyType' in f)
      out[f.name] = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, one()]));
    else if (f.repeated) out[f.name] = Array.from({ length: n }, one);
    else out[f.name] = one();
  }
  return out;
}

test('random requests of every agent RPC round-trip through the policy form, under every profile', () => {
  const r = rng(20261122);
  const requestTypes = [...new Set(REQUEST_TYPES.values())];
  assert.equal(requestTypes.length, 41, 'distinct request types of the 42 RPCs');
  for (const profile of [KATA_POLICY_CURRENT, KATA_POLICY_LEGACY, KATA_POLICY_LEGACY_PASSFD]) {
    for (const name of requestTypes) {
      for (let i = 0; i < RANDOM_ROUNDS; i++) {
        const bytes = encode(name, randomMessage(messageType(name), r, 0, profile) as never);
        const msg = decode(name, bytes);
        let text: string;
        try {
          text = policyInputFromRequest(name, msg, profile);
        } catch (e) {
          // Only a symlink CopyFile whose target is not UTF-8 may be refused.
          assert.ok(e instanceof ProtoError && name === 'grpc.CopyFileRequest', String(e));
          continue;
        }
        assert.doesNotThrow(() => JSON.parse(text), `${name}: ${text}`);
        const back = requestFromPolicyInput(name, text, profile);
        assert.equal(policyInputFromRequest(name, back, profile), text, `${profile.name} ${name}`);
        if (name !== 'grpc.CopyFileRequest' && profile === KATA_POLICY_CURRENT) {
          assert.deepEqual([...encode(name, back as never)], [...bytes], `${name}: bytes`);
        }
      }
    }
  }
});

// The one-pass wire reader (proto/kata/wire-input.ts) must give exactly the full path's value, or
// give up (NOT_FAST) so that the full path decides: on random requests of every RPC, and on the
// same bytes damaged (a byte changed, cut short, or a field appended).
test('the one-pass policy input from the wire equals decode + policyInputValue, or gives up', () => {
  const r = rng(20261123);
  const requestTypes = [...new Set(REQUEST_TYPES.values())];
  const full = (name: MessageName, bytes: Uint8Array, profile: KataPolicyProfile): unknown => {
    try {
      return { ok: policyInputValue(name, decode(name, bytes), profile) };
    } catch (e) {
      return { err: e };
    }
  };
  let fast = 0;
  let damagedFast = 0;
  for (const profile of [KATA_POLICY_CURRENT, KATA_POLICY_LEGACY, KATA_POLICY_LEGACY_PASSFD]) {
    for (const name of requestTypes) {
      for (let i = 0; i < RANDOM_ROUNDS; i++) {
        const bytes = encode(name, randomMessage(messageType(name), r, 0, profile) as never);
        const variants: Uint8Array[] = [bytes];
        if (bytes.length > 0) {
          const changed = Uint8Array.from(bytes);
          changed[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
          variants.push(changed, bytes.subarray(0, Math.floor(r() * bytes.length)));
        }
        variants.push(Uint8Array.from([...bytes, 0x08 + 8 * Math.floor(r() * 40), 0x01]));
        for (const [k, v] of variants.entries()) {
          const want = full(name, v, profile) as { ok?: unknown; err?: unknown };
          let got: unknown;
          try {
            got = policyInputFromWire(name, v, profile);
          } catch (e) {
            assert.equal(e, NOT_FAST, `${name}: only NOT_FAST may escape (${String(e)})`);
            continue;
          }
          if (k === 0) fast++;
          else damagedFast++;
          assert.ok(
            'ok' in want,
            `${profile.name} ${name}: fast path accepted what the full path refuses: ${String(want.err)}`,
          );
          assert.deepEqual(got, want.ok, `${profile.name} ${name} variant ${k}`);
        }
      }
    }
  }
  // Canonical requests take the fast path (CopyFile never does: its policy form is its own).
  const copyFileRounds = 3 * RANDOM_ROUNDS;
  assert.equal(fast, 3 * requestTypes.length * RANDOM_ROUNDS - copyFileRounds);
  assert.ok(damagedFast > 0);
});

test('the one-pass reader gives up on a second member of a oneof, and reads one member', async () => {
  // Kata's protos have no oneof with two members today; a schema of the test's own has one.
  const { default: protobuf } = await import('protobufjs/light.js');
  const root = protobuf.Root.fromJSON({
    nested: {
      t: {
        nested: {
          T: {
            oneofs: { choice: { oneof: ['a', 'b'] } },
            fields: {
              a: { type: 'int32', id: 1 },
              b: { type: 'string', id: 2 },
              n: { type: 'int32', id: 3 },
            },
          },
        },
      },
    },
  });
  root.resolveAll();
  const T = root.lookupType('t.T');
  assert.deepEqual(policyInputOfType(T, Uint8Array.from([0x08, 0x01]), KATA_POLICY_CURRENT), {
    n: 0,
    choice: { a: 1 },
  });
  assert.deepEqual(
    policyInputOfType(T, Uint8Array.from([0x12, 0x01, 0x78, 0x18, 0x05]), KATA_POLICY_CURRENT),
    {
      n: 5,
      choice: { b: 'x' },
    },
  );
  assert.throws(
    () => policyInputOfType(T, Uint8Array.from([0x08, 0x01, 0x12, 0x01, 0x78]), KATA_POLICY_CURRENT),
    (e: unknown) => e === NOT_FAST,
  );
  assert.throws(
    () => policyInputOfType(T, Uint8Array.from([0x08, 0x01, 0x08, 0x02]), KATA_POLICY_CURRENT),
    (e: unknown) => e === NOT_FAST,
  );
});

test('the one-pass reader reads every scalar kind as decode + policyInputValue would', async () => {
  // Kata's request types have no fixed-width or floating-point fields; a schema of the test's own
  // has every scalar kind, singular and packed, checked against protobufjs's decoded form.
  const { default: protobuf } = await import('protobufjs/light.js');
  const kinds = ['int32', 'uint32', 'sint32', 'int64', 'uint64', 'sint64', 'fixed32', 'sfixed32'].concat([
    'fixed64',
    'sfixed64',
    'float',
    'double',
    'bool',
    'string',
    'bytes',
  ]);
  const fields: Record<string, { type: string; id: number; rule?: string }> = {};
  kinds.forEach((k, i) => {
    fields[`s_${k}`] = { type: k, id: i + 1 };
    fields[`r_${k}`] = { type: k, id: i + 101, rule: 'repeated' };
  });
  const root = protobuf.Root.fromJSON({ nested: { t: { nested: { S: { fields } } } } });
  root.resolveAll();
  const S = root.lookupType('t.S');
  const value = (k: string): fc.Arbitrary<unknown> => {
    switch (k) {
      case 'int32':
      case 'sfixed32':
      case 'sint32':
        return fc.integer();
      case 'uint32':
      case 'fixed32':
        return fc.integer({ min: 0, max: 2 ** 32 - 1 });
      case 'int64':
      case 'sint64':
      case 'sfixed64':
        return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
      case 'uint64':
      case 'fixed64':
        return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
      case 'float':
        return fc.float({ noNaN: true });
      case 'double':
        return fc.double({ noNaN: true });
      case 'bool':
        return fc.boolean();
      case 'string':
        return fc.string({ maxLength: 5 });
      default:
        return fc.uint8Array({ maxLength: 5 });
    }
  };
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const k of kinds) {
    record[`s_${k}`] = value(k);
    record[`r_${k}`] = fc.array(value(k), { maxLength: 3 });
  }
  fc.assert(
    fc.property(fc.record(record, { requiredKeys: [] }), (obj) => {
      const bytes = S.encode(S.fromObject(obj)).finish();
      const want = S.toObject(S.decode(bytes), { longs: BigInt, defaults: true, arrays: true, bytes: Array });
      const got = policyInputOfType(S, bytes, KATA_POLICY_CURRENT) as Record<string, unknown>;
      for (const k of Object.keys(fields)) assert.deepEqual(got[k], want[k], k);
    }),
    { numRuns: 300 },
  );
});
