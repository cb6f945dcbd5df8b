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

const IPV4_BLOCKS: { base: [number, number, number, number]; bits: number; name: string }[] = [
  { base: [0, 0, 0, 0], bits: 8, name: '"this network" (0.0.0.0/8)' },
  { base: [10, 0, 0, 0], bits: 8, name: 'a private address (10.0.0.0/8)' },
  { base: [100, 64, 0, 0], bits: 10, name: 'a carrier-grade NAT address (100.64.0.0/10)' },
  { base: [127, 0, 0, 0], bits: 8, name: 'a loopback address (127.0.0.0/8)' },
  { base: [169, 254, 0, 0], bits: 16, name: 'a link-local address (169.254.0.0/16, where cloud metadata services answer)' },
  { base: [172, 16, 0, 0], bits: 12, name: 'a private address (172.16.0.0/12)' },
  { base: [192, 0, 0, 0], bits: 24, name: 'an IETF protocol address (192.0.0.0/24)' },
  { base: [192, 0, 2, 0], bits: 24, name: 'a documentation address (192.0.2.0/24)' },
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

/** Why an IPv6 address is refused, or null when it is a public unicast address. */
export function blockedIpv6(groups: readonly number[]): string | null {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const zeroUpTo = (count: number) => groups.slice(0, count).every((group) => group === 0);
  if (zeroUpTo(8)) return 'the unspecified address (::)';
  if (zeroUpTo(7) && g7 === 1) return 'the IPv6 loopback address (::1)';
  const embedded = [g6 >> 8, g6 & 255, g7 >> 8, g7 & 255];
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) carry an IPv4 address.
  if ((zeroUpTo(5) && (g5 === 0xffff || g5 === 0)) || (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0)) {
    return `an IPv6 form of ${embedded.join('.')}: use the IPv4 address itself`;
  }
  if (g0 === 0x2002) {
    const sixToFour = [g1 >> 8, g1 & 255, g2 >> 8, g2 & 255];
    const inner = blockedIpv4(sixToFour);
    if (inner) return `a 6to4 address of ${inner}`;
  }
  if ((g0 & 0xfe00) === 0xfc00) return 'a unique-local address (fc00::/7)';
  if ((g0 & 0xffc0) === 0xfe80) return 'a link-local address (fe80::/10)';
  if ((g0 & 0xffc0) === 0xfec0) return 'a site-local address (fec0::/10)';
  if ((g0 & 0xff00) === 0xff00) return 'a multicast address (ff00::/8)';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'a documentation address (2001:db8::/32)';
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return 'a discard-only address (100::/64)';
  return null;
}
