import protobuf from 'protobufjs/light.js';
import { ProtoError } from './errors.js';
import type { MessageTypes } from './gen/index.gen.js';
import { SCHEMA_JSON } from './gen/schema.gen.js';

/** Full protobuf name of any message in Ward's schemas, e.g. `grpc.CreateContainerRequest`. */
export type MessageName = keyof MessageTypes;

let root: protobuf.Root | undefined;
const types = new Map<string, protobuf.Type>();

/**
 * The protobufjs root of every schema, built on first use from the generated JSON descriptor
 * (no .proto parsing at run time; a shim or proxy that never decodes pays nothing).
 */
export function schemaRoot(): protobuf.Root {
  if (root === undefined) {
    // fromJSON also resolves every type reference, so a schema error surfaces here, once.
    root = protobuf.Root.fromJSON(JSON.parse(SCHEMA_JSON) as protobuf.INamespace);
  }
  return root;
}

/** The reflected protobufjs type of a message; throws ERR_PROTO_UNKNOWN_TYPE for other names. */
export function messageType(name: string): protobuf.Type {
  const cached = types.get(name);
  if (cached !== undefined) return cached;
  let found: protobuf.ReflectionObject | null;
  try {
    found = schemaRoot().lookup(name);
  } catch (cause) {
    throw new ProtoError('ERR_PROTO_UNKNOWN_TYPE', `unknown message type ${name}`, { cause });
  }
  if (!(found instanceof protobuf.Type)) {
    throw new ProtoError('ERR_PROTO_UNKNOWN_TYPE', `unknown message type ${name}`);
  }
  types.set(name, found);
  return found;
}

/** Whether `name` is the full name of a message in the schemas. */
export function isMessageName(name: string): name is MessageName {
  try {
    messageType(name);
    return true;
  } catch {
    return false;
  }
}

/** Full names of every message in the schemas, in schema order. */
export function messageNames(): MessageName[] {
  const out: MessageName[] = [];
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      if (obj instanceof protobuf.Type) {
        out.push(obj.fullName.slice(1) as MessageName);
        visit(obj);
      } else if (obj instanceof protobuf.Namespace) visit(obj);
    }
  };
  visit(schemaRoot());
  return out;
}
