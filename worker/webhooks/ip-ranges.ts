/**
 * Address ranges a webhook must not reach, for IPv4 and IPv6 literals as the URL parser
 * normalises them (dotted quad; bracketed, compressed lowercase IPv6). Each answer names the range.
 */

/** `a.b.c.d` → four octets, or null when the host is not a dotted-quad IPv4 address. */
export function parseIpv4(host: string): number[] | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!match) return null;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? octets : null;
}

/** IPv6 text (without brackets) → eight 16-bit groups, or null when it cannot be read. */
export function parseIpv6(text: string): number[] | null {
  let body = text.toLowerCase();
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two groups.
  const quad = /(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(body);
  if (quad?.[1]) {
    const octets = parseIpv4(quad[1]);
    if (!octets) return null;
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    body = `${body.slice(0, -quad[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const read = (part: string | undefined) => (part ? part.split(':') : []);
  const head = read(halves[0]);
  const tail = read(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return null;
  return groups.map((group) => Number.parseInt(group, 16));
}

/**
 * The IANA IPv4 Special-Purpose Address Registry's ranges (192.0.0.0/24 whole, like 2001::/23
 * below; its globally reachable AS112 and AMT anycast blocks elsewhere stay allowed), and multicast.
 */
const IPV4_BLOCKS: { base: [number, number, number, number]; bits: number; name: string }[] = [
  { base: [0, 0, 0, 0], bits: 8, name: '"this network" (0.0.0.0/8)' },
  { base: [10, 0, 0, 0], bits: 8, name: 'a private address (10.0.0.0/8)' },
  { base: [100, 64, 0, 0], bits: 10, name: 'a carrier-grade NAT address (100.64.0.0/10)' },
  { base: [127, 0, 0, 0], bits: 8, name: 'a loopback address (127.0.0.0/8)' },
  { base: [169, 254, 0, 0], bits: 16, name: 'a link-local address (169.254.0.0/16, where cloud metadata services answer)' },
  { base: [172, 16, 0, 0], bits: 12, name: 'a private address (172.16.0.0/12)' },
  { base: [192, 0, 0, 0], bits: 24, name: 'an IETF protocol address (192.0.0.0/24)' },
  { base: [192, 0, 2, 0], bits: 24, name: 'a documentation address (192.0.2.0/24)' },
  { base: [192, 88, 99, 0], bits: 24, name: 'a 6to4 relay anycast address (192.88.99.0/24, deprecated)' },
  { base: [192, 168, 0, 0], bits: 16, name: 'a private address (192.168.0.0/16)' },
  { base: [198, 18, 0, 0], bits: 15, name: 'a benchmarking address (198.18.0.0/15)' },
  { base: [198, 51, 100, 0], bits: 24, name: 'a documentation address (198.51.100.0/24)' },
  { base: [203, 0, 113, 0], bits: 24, name: 'a documentation address (203.0.113.0/24)' },
  { base: [224, 0, 0, 0], bits: 4, name: 'a multicast address (224.0.0.0/4)' },
  { base: [240, 0, 0, 0], bits: 4, name: 'a reserved or broadcast address (240.0.0.0/4)' },
];

const toUint32 = (octets: readonly number[]) => octets.reduce((value, octet) => value * 256 + octet, 0);

/** Why an IPv4 address is refused, or null when it is a public unicast address. */
export function blockedIpv4(octets: readonly number[]): string | null {
  const address = toUint32(octets);
  for (const block of IPV4_BLOCKS) {
    const size = 2 ** (32 - block.bits);
    const start = toUint32(block.base);
    if (address >= start && address < start + size) return `${octets.join('.')} is ${block.name}`;
  }
  return null;
}

/** `prefix/bits` → the prefix's groups and a name for refusals, e.g. "a documentation address (3fff::/20)". */
function ipv6Block(cidr: string, what: string) {
  const [text = '', bits = ''] = cidr.split('/');
  const groups = parseIpv6(text);
  if (!groups) throw new Error(`Unreadable IPv6 block ${cidr}`);
  return { groups, bits: Number(bits), name: `${what} (${cidr})` };
}

/**
 * IPv6 ranges refused by prefix, most specific first (the IANA IPv6 Special-Purpose Address
 * Registry, with RFC 9637's 3fff::/20 and RFC 9602's 5f00::/16). Everything outside 2000::/3, the
 * only range IANA hands out as global unicast, is refused after these (blockedIpv6), so a new
 * special range there needs no entry.
 */
const IPV6_BLOCKS = [
  ipv6Block('64:ff9b:1::/48', 'a local-use NAT64 address'),
  ipv6Block('100::/64', 'a discard-only address'),
  ipv6Block('100:0:0:1::/64', 'a dummy address'),
  // 2001::/23 is kept for IETF protocols (like 192.0.0.0/24): refused whole, its best-known parts by name.
  ipv6Block('2001::/32', 'a Teredo tunnel address, which carries an IPv4 address'),
  ipv6Block('2001:2::/48', 'a benchmarking address'),
  ipv6Block('2001:10::/28', 'an ORCHID address'),
  ipv6Block('2001:20::/28', 'an ORCHIDv2 address'),
  ipv6Block('2001::/23', 'an IETF protocol address'),
  ipv6Block('2001:db8::/32', 'a documentation address'),
  ipv6Block('3fff::/20', 'a documentation address'),
  ipv6Block('5f00::/16', 'a segment-routing address'),
  ipv6Block('fc00::/7', 'a unique-local address'),
  ipv6Block('fe80::/10', 'a link-local address'),
  ipv6Block('fec0::/10', 'a site-local address'),
  ipv6Block('ff00::/8', 'a multicast address'),
];

/** Whether the first `bits` bits of two addresses (as eight 16-bit groups) agree. */
function samePrefix(groups: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let index = 0; index < 8 && bits > index * 16; index += 1) {
    const mask = (0xffff << (16 - Math.min(16, bits - index * 16))) & 0xffff;
    if (((groups[index] ?? 0) & mask) !== ((prefix[index] ?? 0) & mask)) return false;
  }
  return true;
}

/** Why an IPv6 address is refused, or null when it is a public unicast address. */
export function blockedIpv6(groups: readonly number[]): string | null {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const zeroUpTo = (count: number) => groups.slice(0, count).every((group) => group === 0);
  if (zeroUpTo(8)) return 'the unspecified address (::)';
  if (zeroUpTo(7) && g7 === 1) return 'the IPv6 loopback address (::1)';
  const embedded = [g6 >> 8, g6 & 255, g7 >> 8, g7 & 255];
  // These carry an IPv4 address in their last 32 bits: IPv4-mapped (::ffff:0:0/96), IPv4-translated
  // (::ffff:0:0:0/96), IPv4-compatible (::/96) and NAT64's well-known prefix (64:ff9b::/96).
  const mapped = zeroUpTo(5) && (g5 === 0xffff || g5 === 0);
  const translated = zeroUpTo(4) && g4 === 0xffff && g5 === 0;
  const nat64 = g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0;
  if (mapped || translated || nat64) return `an IPv6 form of ${embedded.join('.')}: use the IPv4 address itself`;
  if (g0 === 0x2002) {
    const sixToFour = [g1 >> 8, g1 & 255, g2 >> 8, g2 & 255];
    const inner = blockedIpv4(sixToFour);
    if (inner) return `a 6to4 address of ${inner}`;
  }
  const block = IPV6_BLOCKS.find((candidate) => samePrefix(groups, candidate.groups, candidate.bits));
  if (block) return block.name;
  if ((g0 & 0xe000) !== 0x2000) return 'an address outside the global unicast range (2000::/3), reserved or unassigned';
  return null;
}
