import type protobuf from 'protobufjs/light.js';
import type { KataPolicyProfile } from './profile.js';

// Rust keywords: rust-protobuf appends `_` to a field named after one, and serde keeps that name.
const RUST_KEYWORDS = new Set(
  (
    'as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move ' +
    'mut pub ref return self Self static struct super trait true type unsafe use where while abstract become box do ' +
    'final macro override priv try typeof unsized virtual yield'
  ).split(' '),
);

/** The serde key rust-protobuf gives a proto name (`type` → `type_`). */
export function rustName(protoName: string): string {
  return RUST_KEYWORDS.has(protoName) ? `${protoName}_` : protoName;
}

/** One key of a message's policy JSON, in the order serde writes it. */
export type PlanEntry =
  | { readonly key: string; readonly kind: 'field'; readonly field: protobuf.Field }
  | { readonly key: string; readonly kind: 'oneof'; readonly oneof: protobuf.OneOf };

const plans = new WeakMap<KataPolicyProfile, Map<string, readonly PlanEntry[]>>();

/** Whether a oneof is the synthetic one protoc makes for a proto3 `optional` field. */
export function isSyntheticOneof(oneof: protobuf.OneOf): boolean {
  const only = oneof.fieldsArray[0];
  return oneof.fieldsArray.length === 1 && only !== undefined && oneof.name === `_${only.name}`;
}

/**
 * The keys of `type` as that agent generation serialises them: regular fields (proto3
 * `optional` ones included, as Option) in declaration order, then each real oneof as one key.
 */
export function planFor(type: protobuf.Type, profile: KataPolicyProfile): readonly PlanEntry[] {
  let byType = plans.get(profile);
  if (byType === undefined) {
    byType = new Map();
    plans.set(profile, byType);
  }
  const name = type.fullName.slice(1);
  const cached = byType.get(name);
  if (cached !== undefined) return cached;
  const absent = new Set(profile.absent[name] ?? []);
  const renamed = profile.renamed[name] ?? {};
  const out: PlanEntry[] = [];
  for (const field of type.fieldsArray) {
    if (absent.has(field.name)) continue;
    if (field.partOf !== null && !isSyntheticOneof(field.partOf)) continue;
    out.push({ key: rustName(renamed[field.name] ?? field.name), kind: 'field', field });
  }
  for (const oneof of type.oneofsArray) {
    if (isSyntheticOneof(oneof)) continue;
    out.push({ key: rustName(oneof.name), kind: 'oneof', oneof });
  }
  byType.set(name, out);
  return out;
}

/** Fields of `type` that the profile's agent generation does not have (absent from its policy view). */
export function hiddenFields(type: protobuf.Type, profile: KataPolicyProfile): readonly protobuf.Field[] {
  const absent = profile.absent[type.fullName.slice(1)];
  if (absent === undefined || absent.length === 0) return [];
  return type.fieldsArray.filter((f) => absent.includes(f.name));
}

/** `grpc.CreateContainerRequest` → `CreateContainerRequest`: the agent's policy endpoint name. */
export function policyEndpoint(typeName: string): string {
  return typeName.slice(typeName.lastIndexOf('.') + 1);
}
