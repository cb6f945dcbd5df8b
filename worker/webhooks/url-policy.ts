/**
 * Which URLs a webhook may call (SSRF rules, docs/WEBHOOKS.md): https only; plain http only to
 * localhost / 127.0.0.1 when the operator allows it (local runs, tests); private, loopback,
 * link-local, unique-local, multicast and reserved addresses refused as literal IPs, and so are
 * names that only ever mean something inside a private network. A Worker cannot resolve a name
 * before fetching it, so a public name pointing at a private address is not caught here.
 */
import { blockedIpv4, blockedIpv6, parseIpv4, parseIpv6 } from './ip-ranges.ts';

export type UrlVerdict = { ok: true; url: string } | { ok: false; reason: string };

/** Hosts plain http may reach when ALLOW_INSECURE_WEBHOOKS is true. */
const INSECURE_HOSTS = new Set(['localhost', '127.0.0.1']);

/** Cloud metadata services by name (their addresses are link-local, refused below as IPs). */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'instance-data.ec2.internal', 'metadata.azure.internal']);

/** Suffixes of names that resolve only inside a private network or on the host itself. */
const PRIVATE_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'lan', 'intranet', 'corp', 'private', 'localdomain'];

/** Special-use names (RFC 6761, 7686, 9476) that public DNS never resolves to a public receiver. */
const SPECIAL_USE_SUFFIXES = ['test', 'invalid', 'example', 'onion', 'alt'];

/**
 * THE list of public wildcard-DNS services (docs/WEBHOOKS.md lists them from here): every name
 * under these resolves to an address chosen by whoever writes the name (`10.0.0.1.nip.io`,
 * `7f000001.c0a80001.rbndr.us`), or always to loopback (`app.localtest.me`), so a rule that only
 * reads names would let them reach private addresses. Only services known to do this are listed;
 * add new ones here.
 */
export const WILDCARD_DNS_DOMAINS: Readonly<Record<string, string>> = {
  // The address written in the name (dotted, dashed or hex).
  'nip.io': 'whatever address is written into them',
  'sslip.io': 'whatever address is written into them',
  'xip.io': 'whatever address is written into them',
  'nip.direct': 'whatever address is written into them',
  'traefik.me': 'whatever address is written into them',
  // DNS-rebinding services: answers alternate between (or switch to) addresses written in the name.
  '1u.ms': 'whatever addresses are written into them, changing between lookups (DNS rebinding)',
  'rbndr.us': 'whatever addresses are written into them, changing between lookups (DNS rebinding)',
  // Loopback for local development: the name and every name under it.
  'localho.st': '127.0.0.1',
  'local.gd': '127.0.0.1',
  'localhost.direct': '127.0.0.1',
  'localtest.me': '127.0.0.1',
  'lvh.me': '127.0.0.1',
  'vcap.me': '127.0.0.1',
  'fuf.me': '127.0.0.1',
  'smackaho.st': '127.0.0.1',
};

const endsWith = (host: string, suffix: string) => host === suffix || host.endsWith(`.${suffix}`);

function refuseName(host: string): string | null {
  if (METADATA_NAMES.has(host)) return `${host} is a cloud metadata service`;
  const suffix = PRIVATE_SUFFIXES.find((candidate) => endsWith(host, candidate));
  if (suffix) return `names under .${suffix} only resolve on the host itself or inside private networks`;
  const special = SPECIAL_USE_SUFFIXES.find((candidate) => endsWith(host, candidate));
  if (special) return `.${special} is a special-use name that public DNS does not resolve`;
  if (!host.includes('.')) return `single-label host names ("${host}") only resolve inside private networks`;
  const wildcard = Object.keys(WILDCARD_DNS_DOMAINS).find((domain) => endsWith(host, domain));
  if (wildcard) return `${wildcard} names resolve to ${WILDCARD_DNS_DOMAINS[wildcard]}`;
  return null;
}

function refuseHost(host: string): string | null {
  if (host.startsWith('[')) {
    const groups = parseIpv6(host.slice(1, -1));
    if (!groups) return 'the IPv6 address cannot be read';
    return blockedIpv6(groups);
  }
  const octets = parseIpv4(host);
  if (octets) return blockedIpv4(octets);
  return refuseName(host);
}

export function checkWebhookUrl(raw: string, options: { allowInsecure: boolean }): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'must not carry credentials (user:password@); the secret signs every request instead' };
  }
  // A trailing dot names the same host ("localhost." is localhost).
  const host = url.hostname.toLowerCase().replace(/\.+$/, '');
  const insecureAllowed = options.allowInsecure && INSECURE_HOSTS.has(host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && insecureAllowed)) {
    return {
      ok: false,
      reason: options.allowInsecure ? 'must use https:// (plain http:// only to localhost or 127.0.0.1)' : 'must use https://',
    };
  }
  if (host === '') return { ok: false, reason: 'has no host' };
  if (!insecureAllowed) {
    const refusal = refuseHost(host);
    if (refusal) return { ok: false, reason: `is refused: ${refusal}` };
  }
  url.hash = '';
  return { ok: true, url: url.href };
}
