import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs/light.js';
import { SCHEMA_DEFINITIONS } from '../codec/gen/schema.gen.js';
import { addDefinitions } from '../codec/registry.js';
import { messageNames, messageType } from '../index.js';

/** A root of every definition at once, the way the schemas were loaded before types were lazy. */
function fullRoot(): protobuf.Root {
  const nested: Record<string, protobuf.AnyNestedObject> = {};
  for (const [name, json] of Object.entries(SCHEMA_DEFINITIONS)) {
    const parts = name.split('.');
    let ns = nested;
    for (const p of parts.slice(0, -1)) {
      const next = (ns[p] ??= { nested: {} }) as { nested: Record<string, protobuf.AnyNestedObject> };
      ns = next.nested;
    }
    ns[parts.at(-1) as string] = JSON.parse(json) as protobuf.AnyNestedObject;
  }
  return protobuf.Root.fromJSON({ nested });
}

/** Every field of `type` and of the types it reaches: name, number, type, resolved full name. */
function shape(type: protobuf.Type, seen = new Set<string>()): string[] {
  if (seen.has(type.fullName)) return [];
  seen.add(type.fullName);
  const out: string[] = [];
  for (const f of type.fieldsArray) {
    const rt = f.resolvedType;
    out.push(`${type.fullName}.${f.name}#${f.id} ${f.rule ?? ''} ${f.type} -> ${rt?.fullName ?? '-'}`);
    if (rt instanceof protobuf.Type) out.push(...shape(rt, seen));
  }
  for (const n of type.nestedArray) if (n instanceof protobuf.Type) out.push(...shape(n, seen));
  return out;
}

test('a message built alone with the definitions it refers to resolves as in the root of every schema', () => {
  const full = fullRoot();
  for (const name of messageNames()) {
    const def = Object.keys(SCHEMA_DEFINITIONS).find((d) => name === d || name.startsWith(`${d}.`));
    assert.ok(def, `${name}: no definition`);
    const alone = new protobuf.Root();
    addDefinitions(alone, [def], new Set());
    const got = alone.lookupType(name);
    const want = full.lookupType(name);
    assert.deepEqual(shape(got), shape(want), name);
    assert.equal(JSON.stringify(got.toJSON()), JSON.stringify(want.toJSON()), name);
    // Same wire bytes from both for a default message (packed-ness and defaults agree).
    assert.deepEqual(
      [...got.encode(got.fromObject({})).finish()],
      [...want.encode(want.fromObject({})).finish()],
    );
  }
});

test('messageType builds a type on first use; unknown and non-message names still fail', () => {
  assert.equal(messageType('grpc.CreateContainerRequest').fullName, '.grpc.CreateContainerRequest');
  assert.equal(messageType('grpc.VolumeUsage').fullName, '.grpc.VolumeUsage');
  assert.throws(() => messageType('grpc.NoSuchMessage'), /unknown message type/);
  assert.throws(() => messageType('grpc.VolumeUsage.Unit'), /unknown message type/);
});
