import { readFileSync } from 'node:fs';
import { ObjectV, SetV, type Value } from '../value/index.js';
import { builtinErr } from './args.js';
import {
  contains,
  fromBig,
  ipString,
  type Net,
  netString,
  parseCIDR,
  parseIP,
  range,
  rangeToNets,
  to4,
} from './lib-ip.js';
import { operandTypeErr } from './lib-operand.js';
import type { BuiltinContext, BuiltinRegistry } from './registry.js';

/** Most addresses `net.cidr_expand` will list (a /8 is 16.7 million). */
export const MAX_CIDR_EXPAND = 1 << 24;

function net(name: string, v: Value): Net {
  // OPA reads every CIDR operand as "operand 1".
  if (typeof v !== 'string') throw operandTypeErr(name, 1, v, 'string');
  const n = parseCIDR(v);
  if (n === null) throw builtinErr(name, `invalid CIDR address: ${v}`);
  return n;
}

function cidrContains(name: string, a: Value, b: Value): boolean {
  const na = net(name, a);
  if (typeof b !== 'string') throw operandTypeErr(name, 1, b, 'string');
  const ip = parseIP(b);
  if (ip !== null) return contains(na, ip);
  const nb = parseCIDR(b);
  if (nb === null)
    throw builtinErr(name, `not a valid textual representation of an IP address or CIDR: ${b}`);
  if (!contains(na, nb.ip)) return false;
  const [, last] = range(nb);
  return contains(na, fromBig(last, nb.ip.length));
}

function matchTerms(name: string, pos: number, v: Value): [Value, Value][] {
  const pick = (x: Value): Value => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x) && x.length > 0) return x[0]!;
    throw builtinErr(name, `operand ${pos}: element must be string or non-empty array`);
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((x, i) => [pick(x), BigInt(i)]);
  if (v instanceof SetV) return v.values().map((x) => [pick(x), x]);
  if (v instanceof ObjectV) return v.entries().map(([k, x]) => [pick(x), k]);
  return [];
}

function containsMatches(args: readonly Value[]): Value {
  const name = 'net.cidr_contains_matches';
  const out = new SetV();
  const bs = matchTerms(name, 2, args[1]!);
  for (const [c1, i1] of matchTerms(name, 1, args[0]!)) {
    for (const [c2, i2] of bs) if (cidrContains(name, c1, c2)) out.add([i1, i2]);
  }
  return out;
}

function expand(args: readonly Value[], ctx: BuiltinContext): Value {
  const n = net('net.cidr_expand', args[0]!);
  const [first, last] = range(n);
  const count = last - first + 1n;
  if (count > BigInt(MAX_CIDR_EXPAND)) {
    throw builtinErr('net.cidr_expand', `${netString(n)} has more than ${MAX_CIDR_EXPAND} addresses`);
  }
  ctx.tick(Number(count));
  const out = new SetV();
  for (let v = first; v <= last; v++) out.add(ipString(fromBig(v, n.ip.length)));
  return out;
}

/** The network a cidr_merge element denotes, and how Go prints it when left unmerged. */
function mergeNet(v: Value): [Net, Net] {
  if (typeof v !== 'string') throw builtinErr('net.cidr_merge', 'element must be string');
  const ip = parseIP(v);
  if (ip === null) {
    const n = parseCIDR(v);
    if (n === null) throw builtinErr('net.cidr_merge', `invalid CIDR address: ${v}`);
    return [n, n];
  }
  const v4 = to4(ip);
  if (v4 === null) throw builtinErr('net.cidr_merge', 'IPv6 invalid: needs prefix length');
  // Go gives a bare IPv4 address its classful default mask.
  const prefix = v4[0]! < 0x80 ? 8 : v4[0]! < 0xc0 ? 16 : 24;
  // Go keeps the address unmasked in the IPNet, so it prints as given.
  return [parseCIDR(`${v}/${prefix}`)!, { ip: v4, prefix }];
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

interface Block {
  first: bigint;
  last: bigint;
  net: Net | null;
}

function merge(args: readonly Value[]): Value {
  const v = args[0]!;
  let items: readonly Value[];
  if (Array.isArray(v)) items = v;
  else if (v instanceof SetV) items = v.values();
  else throw builtinErr('net.cidr_merge', 'operand must be an array');
  const out = new SetV();
  for (const len of [4, 16]) {
    const blocks: Block[] = [];
    for (const x of items) {
      const [n, shown] = mergeNet(x);
      if (n.ip.length !== len) continue;
      const [first, last] = range(n);
      blocks.push({ first, last, net: shown });
    }
    blocks.sort((a, b) =>
      a.last < b.last ? -1 : a.last > b.last ? 1 : a.first < b.first ? -1 : a.first > b.first ? 1 : 0,
    );
    for (let i = blocks.length - 1; i > 0; i--) {
      const cur = blocks[i]!;
      const prev = blocks[i - 1]!;
      if (cur.first - 1n <= prev.last) {
        blocks[i - 1] = { first: minBig(prev.first, cur.first), last: cur.last, net: null };
        blocks.splice(i, 1);
      }
    }
    for (const b of blocks) {
      const nets = b.net !== null ? [b.net] : rangeToNets(b.first, b.last, len);
      for (const n of nets) out.add(netString(n));
    }
  }
  return out;
}

/** Where `net.lookup_ip_addr` resolves names: the hosts file only, never the network. */
export const HOSTS_FILE = '/etc/hosts';

/**
 * net.lookup_ip_addr without DNS: an address literal resolves to itself and a name through the
 * hosts file, as Go's resolver does first. A policy engine inside the guest must not depend on
 * (or leak through) network name resolution, so other names are a builtin error.
 */
function lookupIpAddr(args: readonly Value[]): Value {
  const name = 'net.lookup_ip_addr';
  const host = args[0]!;
  if (typeof host !== 'string') throw operandTypeErr(name, 1, host, 'string');
  const ip = parseIP(host);
  if (ip !== null) return SetV.from([ipString(ip)]);
  let text = '';
  try {
    text = readFileSync(HOSTS_FILE, 'utf8');
  } catch {
    // No hosts file: nothing resolves.
  }
  const out = new SetV();
  for (const line of text.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    if (fields.length < 2) continue;
    const addr = parseIP(fields[0]!.replace(/%.*/, ''));
    if (addr === null) continue;
    if (fields.slice(1).some((f) => f.toLowerCase() === host.toLowerCase())) out.add(ipString(addr));
  }
  if (out.size === 0)
    throw builtinErr(name, `lookup ${host}: no such host (DNS resolution is not available)`);
  return out;
}

/** Registers `net.cidr_*` and `net.lookup_ip_addr`. */
export function registerNet(r: BuiltinRegistry): void {
  r.register({
    name: 'net.cidr_contains',
    arity: 2,
    impl: (args) => cidrContains('net.cidr_contains', args[0]!, args[1]!),
  });
  r.register({
    name: 'net.cidr_overlap',
    arity: 2,
    impl: (args) => cidrContains('net.cidr_overlap', args[0]!, args[1]!),
  });
  r.register({
    name: 'net.cidr_intersects',
    arity: 2,
    impl: (args) => {
      const a = net('net.cidr_intersects', args[0]!);
      const b = net('net.cidr_intersects', args[1]!);
      return contains(a, b.ip) || contains(b, a.ip);
    },
  });
  r.register({ name: 'net.cidr_contains_matches', arity: 2, impl: containsMatches });
  r.register({ name: 'net.cidr_expand', arity: 1, impl: expand });
  r.register({
    name: 'net.cidr_is_valid',
    arity: 1,
    impl: (args) => typeof args[0] === 'string' && parseCIDR(args[0]) !== null,
  });
  r.register({ name: 'net.cidr_merge', arity: 1, impl: merge });
  r.register({ name: 'net.lookup_ip_addr', arity: 1, impl: lookupIpAddr, nondeterministic: true });
}
