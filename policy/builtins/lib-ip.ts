/**
 * IP addresses and CIDR blocks with Go's net package semantics: ParseIP (IPv4 becomes the
 * v4-in-v6 form, leading zeros rejected), ParseCIDR (network masked, IPv4 kept as 4 bytes),
 * IPNet.Contains (a v4-mapped address matches IPv4 networks only) and IP.String (RFC 5952,
 * v4-mapped printed dotted).
 */

/** A network: its masked address (4 or 16 bytes) and prefix length. */
export interface Net {
  readonly ip: Uint8Array;
  readonly prefix: number;
}

const V4_IN_V6 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** Go's parseIPv4: four decimal fields 0..255 without leading zeros. */
export function parseIPv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Go's parseIPv6 (no zone). */
export function parseIPv6(s: string): Uint8Array | null {
  const out = new Uint8Array(16);
  let ellipsis = -1;
  let i = 0;
  let rest = s;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return out;
  }
  while (i < 16) {
    const m = /^[0-9a-fA-F]{1,4}/.exec(rest);
    if (m === null) return null;
    // An embedded IPv4 address fills the last four bytes.
    if (m[0].length < rest.length && rest[m[0].length] === '.') {
      if (ellipsis < 0 && i !== 12) return null;
      if (i + 4 > 16) return null;
      const v4 = parseIPv4(rest);
      if (v4 === null) return null;
      out.set(v4, i);
      i += 4;
      rest = '';
      break;
    }
    const n = Number.parseInt(m[0], 16);
    out[i] = n >> 8;
    out[i + 1] = n & 0xff;
    i += 2;
    rest = rest.slice(m[0].length);
    if (rest === '') break;
    if (rest[0] !== ':' || rest.length === 1) return null;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) return null;
      ellipsis = i;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') return null;
  if (i < 16) {
    if (ellipsis < 0) return null;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) out[j + n] = out[j]!;
    for (let j = ellipsis + n - 1; j >= ellipsis; j--) out[j] = 0;
  } else if (ellipsis >= 0) return null;
  return out;
}

/** Go's net.ParseIP: 16 bytes (IPv4 in v4-in-v6 form), or null. */
export function parseIP(s: string): Uint8Array | null {
  const v4 = parseIPv4(s);
  if (v4 !== null) return Uint8Array.from([...V4_IN_V6, ...v4]);
  return parseIPv6(s);
}

/** ip.To4(): the 4-byte form of an IPv4 or v4-mapped address, else null. */
export function to4(ip: Uint8Array): Uint8Array | null {
  if (ip.length === 4) return ip;
  for (let i = 0; i < 12; i++) if (ip[i] !== V4_IN_V6[i]) return null;
  return ip.slice(12);
}

/** The address as a bigint. */
export function toBig(ip: Uint8Array): bigint {
  let n = 0n;
  for (const b of ip) n = (n << 8n) | BigInt(b);
  return n;
}

/** A bigint as an address of `len` bytes. */
export function fromBig(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** Go's net.ParseCIDR network; null when invalid. */
export function parseCIDR(s: string): Net | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  let ip: Uint8Array | null = parseIPv4(addr);
  if (ip === null) ip = parseIPv6(addr);
  if (ip === null || !/^\d{1,3}$/.test(mask)) return null;
  const prefix = Number(mask);
  const bits = ip.length * 8;
  if (prefix > bits) return null;
  const hostBits = BigInt(bits - prefix);
  const masked = (toBig(ip) >> hostBits) << hostBits;
  return { ip: fromBig(masked, ip.length), prefix };
}

/** First and last address of a network, as bigints. */
export function range(n: Net): [bigint, bigint] {
  const first = toBig(n.ip);
  const host = BigInt(n.ip.length * 8 - n.prefix);
  return [first, first | ((1n << host) - 1n)];
}

/** IPNet.Contains for a parsed address (16 bytes, or 4 for IPv4 networks' own addresses). */
export function contains(n: Net, ip: Uint8Array): boolean {
  const x = to4(ip) ?? ip;
  // Go treats a v4-mapped network as the IPv4 network under the last 32 bits of its mask.
  const mapped = n.ip.length === 16 ? to4(n.ip) : null;
  const net = mapped === null ? n : { ip: mapped, prefix: Math.max(0, n.prefix - 96) };
  if (x.length !== net.ip.length) return false;
  const [lo, hi] = range(net);
  const v = toBig(x);
  return v >= lo && v <= hi;
}

/** Go's IP.String. */
export function ipString(ip: Uint8Array): string {
  const v4 = to4(ip);
  if (v4 !== null) return [...v4].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i]! << 8) | ip[i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.map((g) => g.toString(16)).join(':');
  const head = groups.slice(0, bestStart).map((g) => g.toString(16));
  const tail = groups.slice(bestStart + bestLen).map((g) => g.toString(16));
  return `${head.join(':')}::${tail.join(':')}`;
}

/** Go's IPNet.String. */
export function netString(n: Net): string {
  const v4 = to4(n.ip);
  if (v4 !== null && n.ip.length === 16) {
    // A v4-mapped network prints in IPv4 form, its mask shortened to 32 bits.
    return `${ipString(v4)}/${Math.max(0, n.prefix - 96)}`;
  }
  return `${ipString(n.ip)}/${n.prefix}`;
}

/** The smallest list of CIDR blocks covering [first, last] (netaddr's iprange_to_cidrs). */
export function rangeToNets(first: bigint, last: bigint, len: number): Net[] {
  const bits = len * 8;
  const out: Net[] = [];
  let cur = first;
  while (cur <= last) {
    let size = 0;
    // Grow the block while it stays aligned and inside the range.
    while (size < bits) {
      const next = size + 1;
      const blockMask = (1n << BigInt(next)) - 1n;
      if ((cur & blockMask) !== 0n || cur + blockMask > last) break;
      size = next;
    }
    out.push({ ip: fromBig(cur, len), prefix: bits - size });
    cur += 1n << BigInt(size);
  }
  return out;
}
