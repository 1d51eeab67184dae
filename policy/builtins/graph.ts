import { canonical, type ObjectV, SetV, type Value } from '../value/index.js';
import { objOp, operandTypeErr } from './lib-operand.js';
import type { BuiltinContext, BuiltinRegistry } from './registry.js';

/** Members of an array or set of vertices; anything else has none (as OPA treats edges). */
function vertices(v: Value | undefined): readonly Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof SetV) return v.values();
  return [];
}

function initial(name: string, v: Value): readonly Value[] {
  if (!Array.isArray(v) && !(v instanceof SetV)) throw operandTypeErr(name, 2, v, '{array, set}');
  return vertices(v);
}

function reachable(args: readonly Value[], ctx: BuiltinContext): Value {
  const graph = objOp('graph.reachable', args, 1);
  const queue = [...initial('graph.reachable', args[1]!)];
  const reached = new SetV();
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    const edges = graph.get(node);
    if (edges === undefined) continue;
    ctx.tick(1);
    for (const n of vertices(edges)) if (!reached.has(n)) queue.push(n);
    reached.add(node);
  }
  return reached;
}

/**
 * Every path from `root` until a leaf, a vertex outside the graph, or an already reached vertex
 * (OPA's pathBuilder). The reached set is shared by sibling branches, as in the OPA version the
 * conformance suite pins: a vertex explored in one branch ends the paths of later branches.
 */
function paths(
  graph: ObjectV,
  root: Value,
  path: readonly Value[],
  out: SetV,
  reached: Set<string>,
  ctx: BuiltinContext,
): void {
  ctx.tick(1);
  const edges = graph.get(root);
  if (edges === undefined) {
    out.add(path);
    return;
  }
  const next = [...path, root];
  const ns = vertices(edges);
  if (ns.length === 0) {
    out.add(next);
    return;
  }
  reached.add(key(root));
  for (const n of ns) {
    if (reached.has(key(n))) out.add(next);
    else paths(graph, n, next, out, reached, ctx);
  }
}

function key(v: Value): string {
  return canonical(v);
}

function reachablePaths(args: readonly Value[], ctx: BuiltinContext): Value {
  const graph = objOp('graph.reachable_paths', args, 1);
  const out = new SetV();
  for (const node of initial('graph.reachable_paths', args[1]!)) {
    const edges = graph.get(node);
    if (edges === undefined) continue;
    const ns = vertices(edges);
    if (ns.length === 0) out.add([node]);
    for (const n of ns) paths(graph, n, [node], out, new Set([key(node)]), ctx);
  }
  return out;
}

/** Registers `graph.reachable` and `graph.reachable_paths`. */
export function registerGraph(r: BuiltinRegistry): void {
  r.register({ name: 'graph.reachable', arity: 2, impl: reachable });
  r.register({ name: 'graph.reachable_paths', arity: 2, impl: reachablePaths });
}
