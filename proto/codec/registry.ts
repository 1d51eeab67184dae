import protobuf from 'protobufjs/light.js';
import { ProtoError } from './errors.js';
import type { MessageTypes } from './gen/index.gen.js';
import { SCHEMA_DEFINITIONS, SCHEMA_REFERENCES } from './gen/schema.gen.js';

/** Full protobuf name of any message in Ward's schemas, e.g. `grpc.CreateContainerRequest`. */
export type MessageName = keyof MessageTypes;

// One root for the process, filled on demand: reflection objects cost memory in every process
// (~650 KB of heap for all 167 messages), and a shim worker or the proxy uses a fraction of them.
const root = new protobuf.Root();
const added = new Set<string>();
let complete = false;
const types = new Map<string, protobuf.Type>();

/** The package-level definition holding `name` (itself, or the message it is nested in). */
function definitionOf(name: string): string | undefined {
  for (let n = name; n !== ''; n = n.slice(0, Math.max(n.lastIndexOf('.'), 0))) {
    if (Object.hasOwn(SCHEMA_DEFINITIONS, n)) return n;
  }
  return undefined;
}

/**
 * Adds the package-level definitions `names` and every definition their fields refer to
 * (transitively) to `target`, skipping those in `done` (and recording the added ones there), then
 * resolves the new types. The references are the ones protobufjs resolved when the schemas were
 * generated, so a type built here resolves exactly as in a root of every schema.
 */
export function addDefinitions(target: protobuf.Root, names: Iterable<string>, done: Set<string>): void {
  const pending = [...names];
  let changed = false;
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (done.has(name) || !Object.hasOwn(SCHEMA_DEFINITIONS, name)) continue;
    done.add(name);
    const dot = name.lastIndexOf('.');
    const ns = dot < 0 ? target : target.define(name.slice(0, dot));
    ns.addJSON({
      [name.slice(dot + 1)]: JSON.parse(SCHEMA_DEFINITIONS[name] as string) as protobuf.AnyNestedObject,
    });
    pending.push(...(SCHEMA_REFERENCES[name] ?? []));
    changed = true;
  }
  // resolveAll also surfaces a schema error, and visits only what was added since the last call.
  if (changed) target.resolveAll();
}

/** The protobufjs root with every schema in it (built on first use from the generated descriptors). */
export function schemaRoot(): protobuf.Root {
  if (!complete) {
    addDefinitions(root, Object.keys(SCHEMA_DEFINITIONS).reverse(), added);
    complete = true;
  }
  return root;
}

/**
 * The reflected protobufjs type of a message, built with the types it refers to on first use;
 * throws ERR_PROTO_UNKNOWN_TYPE for other names.
 */
export function messageType(name: string): protobuf.Type {
  const cached = types.get(name);
  if (cached !== undefined) return cached;
  const def = definitionOf(name);
  // A name that is no definition's (relative, or not in the schemas) is looked up in the full
  // root, as protobufjs resolves names.
  if (def === undefined) schemaRoot();
  else addDefinitions(root, [def], added);
  let found: protobuf.ReflectionObject | null;
  try {
    found = root.lookup(name);
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
  const visit = (t: protobuf.Type): void => {
    out.push(t.fullName.slice(1) as MessageName);
    for (const obj of t.nestedArray) if (obj instanceof protobuf.Type) visit(obj);
  };
  // Definition order, not the root's: the root holds definitions in the order they were needed.
  const all = schemaRoot();
  for (const name of Object.keys(SCHEMA_DEFINITIONS)) {
    const obj = all.lookup(name);
    if (obj instanceof protobuf.Type) visit(obj);
  }
  return out;
}
