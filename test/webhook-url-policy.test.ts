import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockedIpv4, parseIpv6 } from '../worker/webhooks/ip-ranges.ts';
import { checkWebhookUrl, WILDCARD_DNS_DOMAINS } from '../worker/webhooks/url-policy.ts';

const strict = (url: string) => checkWebhookUrl(url, { allowInsecure: false });
const local = (url: string) => checkWebhookUrl(url, { allowInsecure: true });
const reason = (verdict: ReturnType<typeof strict>) => (verdict.ok ? 'accepted' : verdict.reason);

describe('webhook URL rule (SSRF)', () => {
  it('accepts https URLs of public hosts, normalised and without a fragment', () => {
    expect(strict('https://siem.example.com/hooks/audit?x=1#frag')).toEqual({ ok: true, url: 'https://siem.example.com/hooks/audit?x=1' });
    expect(strict('HTTPS://Collectors.Sumologic.COM:8443/receiver/v1/http/TOKEN')).toEqual({
      ok: true,
      url: 'https://collectors.sumologic.com:8443/receiver/v1/http/TOKEN',
    });
    for (const url of [
      'https://8.8.8.8/',
      'https://172.32.0.1/',
      'https://100.128.0.1/',
      'https://[2606:4700:4700::1111]/',
      'https://1.1.1.1:443/x',
    ]) {
      expect(reason(strict(url)), url).toBe('accepted');
    }
  });

  it('refuses plain http, other schemes, credentials and relative URLs, naming the reason', () => {
    expect(reason(strict('http://siem.example.com/'))).toBe('must use https://');
    expect(reason(local('http://siem.example.com/'))).toBe('must use https:// (plain http:// only to localhost or 127.0.0.1)');
    for (const url of [
      'ftp://siem.example.com/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/plain,x',
      'ws://siem.example.com/',
    ]) {
      expect(reason(strict(url)), url).toMatch(/must use https/);
    }
    expect(reason(strict('https://user:pass@siem.example.com/'))).toMatch(/must not carry credentials/);
    expect(reason(strict('/hooks/audit'))).toBe('is not an absolute URL');
    expect(reason(strict('https://'))).toBe('is not an absolute URL');
  });

  it('lets plain http reach localhost and 127.0.0.1 only when ALLOW_INSECURE_WEBHOOKS is true', () => {
    expect(local('http://localhost:8080/hook')).toEqual({ ok: true, url: 'http://localhost:8080/hook' });
    expect(local('http://127.0.0.1:9/hook')).toEqual({ ok: true, url: 'http://127.0.0.1:9/hook' });
    expect(reason(strict('http://localhost:8080/hook'))).toBe('must use https://');
    expect(reason(strict('https://localhost/hook'))).toMatch(/^is refused: names under \.localhost/);
    expect(reason(strict('https://127.0.0.1/hook'))).toMatch(/loopback/);
    // The exception is exactly those two hosts, not the rest of their ranges.
    expect(reason(local('http://127.0.0.2/'))).toMatch(/must use https/);
    expect(reason(local('https://127.0.0.2/'))).toMatch(/loopback address \(127\.0\.0\.0\/8\)/);
    expect(reason(local('http://10.0.0.1/'))).toMatch(/must use https/);
    expect(reason(local('https://192.168.1.1/'))).toMatch(/private address \(192\.168\.0\.0\/16\)/);
  });

  it('refuses private, loopback, link-local, metadata, multicast and reserved IPv4 literals in every spelling', () => {
    const cases: [string, RegExp][] = [
      ['https://10.1.2.3/', /private address \(10\.0\.0\.0\/8\)/],
      ['https://172.16.0.1/', /private address \(172\.16\.0\.0\/12\)/],
      ['https://172.31.255.255/', /private/],
      ['https://192.168.0.10/', /private/],
      ['https://169.254.169.254/latest/meta-data/', /link-local.*metadata/],
      ['https://0.0.0.0/', /this network/],
      ['https://100.64.0.1/', /carrier-grade NAT/],
      ['https://224.0.0.1/', /multicast/],
      ['https://255.255.255.255/', /reserved or broadcast/],
      ['https://198.18.0.1/', /benchmarking/],
      ['https://192.0.2.1/', /documentation/],
      // The URL parser reads these as 127.0.0.1 (decimal, hex, octal, short forms).
      ['https://2130706433/', /loopback/],
      ['https://0x7f000001/', /loopback/],
      ['https://0177.0.0.1/', /loopback/],
      ['https://127.1/', /loopback/],
      ['https://0xa9.0xfe.0xa9.0xfe/', /link-local/],
    ];
    for (const [url, expected] of cases) expect(reason(strict(url)), url).toMatch(expected);
  });

  it('refuses loopback, unique-local, link-local and IPv4-carrying IPv6 literals', () => {
    const cases: [string, RegExp][] = [
      ['https://[::1]/', /IPv6 loopback/],
      ['https://[::]/', /unspecified/],
      ['https://[fe80::1]/', /link-local address \(fe80::\/10\)/],
      ['https://[fc00::1]/', /unique-local/],
      ['https://[fd00:ec2::254]/', /unique-local/],
      ['https://[::ffff:127.0.0.1]/', /IPv6 form of 127\.0\.0\.1/],
      ['https://[::ffff:8.8.8.8]/', /IPv6 form of 8\.8\.8\.8/],
      ['https://[64:ff9b::10.0.0.1]/', /IPv6 form of 10\.0\.0\.1/],
      ['https://[2002:a00:1::1]/', /6to4 address of 10\.0\.0\.1/],
      ['https://[ff02::1]/', /multicast/],
      ['https://[fec0::1]/', /site-local/],
      ['https://[2001:db8::1]/', /documentation/],
    ];
    for (const [url, expected] of cases) expect(reason(strict(url)), url).toMatch(expected);
  });

  it('refuses names that only resolve on the host or inside private networks, and wildcard-DNS names', () => {
    const cases: [string, RegExp][] = [
      ['https://localhost/', /\.localhost/],
      ['https://LOCALHOST./', /\.localhost/],
      ['https://api.localhost/', /\.localhost/],
      ['https://printer.local/', /\.local /],
      ['https://metadata.google.internal/computeMetadata/v1/', /cloud metadata service/],
      ['https://db.internal/', /\.internal/],
      ['https://router.home.arpa/', /\.home\.arpa/],
      ['https://fileserver/', /single-label/],
      ['https://metadata/', /single-label/],
      ['https://10.0.0.1.nip.io/', /nip\.io names resolve to whatever address/],
      ['https://app.localtest.me/', /localtest\.me/],
    ];
    for (const [url, expected] of cases) expect(reason(strict(url)), url).toMatch(expected);
  });

  it('never accepts an address inside a refused IPv4 range (property)', () => {
    const ranges: [number, number, number, number, number][] = [
      [10, 0, 0, 0, 8],
      [127, 0, 0, 0, 8],
      [169, 254, 0, 0, 16],
      [172, 16, 0, 0, 12],
      [192, 168, 0, 0, 16],
      [100, 64, 0, 0, 10],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...ranges), fc.nat(), ([a, b, c, d, bits], noise) => {
        const base = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
        const address = (base + (noise % 2 ** (32 - bits))) >>> 0;
        const octets = [address >>> 24, (address >>> 16) & 255, (address >>> 8) & 255, address & 255];
        expect(blockedIpv4(octets)).not.toBeNull();
        expect(strict(`https://${octets.join('.')}/`).ok).toBe(false);
        // The same address written as one decimal number is the same host.
        expect(strict(`https://${address}/`).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('reads IPv6 text as the URL parser writes it (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (groups) => {
        const host = new URL(`https://[${groups.map((group) => group.toString(16)).join(':')}]/`).hostname;
        expect(parseIpv6(host.slice(1, -1))).toEqual(groups);
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * Every special-purpose range of the IANA IPv4 and IPv6 registries (first and last address, and
 * odd spellings the URL parser turns into them), every wildcard-DNS name, and their public
 * neighbours just outside, which must stay accepted.
 */
const REFUSED: [string, RegExp][] = [
  ['0.0.0.0', /this network/],
  ['0.255.255.255', /this network/],
  ['10.0.0.0', /10\.0\.0\.0\/8/],
  ['10.255.255.255', /10\.0\.0\.0\/8/],
  ['100.64.0.0', /carrier-grade NAT/],
  ['100.127.255.255', /carrier-grade NAT/],
  ['127.0.0.0', /loopback/],
  ['127.255.255.255', /loopback/],
  ['169.254.0.0', /link-local/],
  ['169.254.255.255', /link-local/],
  ['172.16.0.0', /172\.16\.0\.0\/12/],
  ['172.31.255.255', /172\.16\.0\.0\/12/],
  ['192.0.0.0', /IETF protocol address \(192\.0\.0\.0\/24\)/],
  ['192.0.0.255', /IETF protocol/],
  ['192.0.2.0', /documentation address \(192\.0\.2\.0\/24\)/],
  ['192.0.2.255', /documentation/],
  ['192.88.99.0', /6to4 relay anycast address \(192\.88\.99\.0\/24, deprecated\)/],
  ['192.88.99.1', /6to4 relay anycast/],
  ['192.88.99.255', /6to4 relay anycast/],
  ['192.168.0.0', /192\.168\.0\.0\/16/],
  ['192.168.255.255', /192\.168\.0\.0\/16/],
  ['198.18.0.0', /benchmarking/],
  ['198.19.255.255', /benchmarking/],
  ['198.51.100.0', /documentation address \(198\.51\.100\.0\/24\)/],
  ['198.51.100.255', /documentation/],
  ['203.0.113.0', /documentation address \(203\.0\.113\.0\/24\)/],
  ['203.0.113.255', /documentation/],
  ['224.0.0.0', /multicast/],
  ['239.255.255.255', /multicast/],
  ['240.0.0.0', /reserved or broadcast/],
  ['255.255.255.255', /reserved or broadcast/],
  // Spellings the URL parser normalises to a dotted quad before the rule reads it.
  ['2130706433', /127\.0\.0\.1 is a loopback/],
  ['017700000001', /127\.0\.0\.1 is a loopback/],
  ['0x7f.0x0.0x0.0x1', /127\.0\.0\.1 is a loopback/],
  ['127.0.1', /127\.0\.0\.1 is a loopback/],
  ['127.000.000.001', /127\.0\.0\.1 is a loopback/],
  ['%31%32%37.0.0.1', /127\.0\.0\.1 is a loopback/],
  ['\uff11\uff12\uff17.\uff10.\uff10.\uff11', /127\.0\.0\.1 is a loopback/],
  ['\u2460\u2461\u2466.0.0.1', /127\.0\.0\.1 is a loopback/],
  ['3232235777', /192\.168\.1\.1 is a private/],
  ['0xc0.0x58.0x63.1', /192\.88\.99\.1 is a 6to4 relay/],
  ['4294967295', /255\.255\.255\.255 is a reserved/],
  ['0', /0\.0\.0\.0 is "this network"/],
  ['[::]', /unspecified/],
  ['[::1]', /IPv6 loopback/],
  ['[0:0:0:0:0:0:0:1]', /IPv6 loopback/],
  ['[::ffff:127.0.0.1]', /IPv6 form of 127\.0\.0\.1/],
  ['[::ffff:0:7f00:1]', /IPv6 form of 127\.0\.0\.1/],
  ['[::ffff:0:10.0.0.1]', /IPv6 form of 10\.0\.0\.1/],
  ['[::ffff:0:808:808]', /IPv6 form of 8\.8\.8\.8: use the IPv4 address itself/],
  ['[::127.0.0.1]', /IPv6 form of 127\.0\.0\.1/],
  ['[64:ff9b::7f00:1]', /IPv6 form of 127\.0\.0\.1/],
  ['[64:ff9b::8.8.8.8]', /IPv6 form of 8\.8\.8\.8/],
  ['[64:ff9b:1::7f00:1]', /local-use NAT64 address \(64:ff9b:1::\/48\)/],
  ['[64:ff9b:1:ffff:ffff:ffff:ffff:ffff]', /local-use NAT64/],
  ['[64:ff9b:2::1]', /outside the global unicast range \(2000::\/3\)/],
  ['[100::]', /discard-only address \(100::\/64\)/],
  ['[100::ffff:ffff:ffff:ffff]', /discard-only/],
  ['[100:0:0:1::1]', /dummy address \(100:0:0:1::\/64\)/],
  ['[2001::]', /Teredo tunnel address/],
  ['[2001:0:ffff:ffff:ffff:ffff:ffff:ffff]', /Teredo/],
  ['[2001:1::1]', /IETF protocol address \(2001::\/23\)/],
  ['[2001:2::1]', /benchmarking address \(2001:2::\/48\)/],
  ['[2001:3::1]', /IETF protocol address/],
  ['[2001:10::1]', /ORCHID address \(2001:10::\/28\)/],
  ['[2001:20::1]', /ORCHIDv2 address \(2001:20::\/28\)/],
  ['[2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff]', /IETF protocol address/],
  ['[2001:db8::]', /documentation address \(2001:db8::\/32\)/],
  ['[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]', /documentation/],
  ['[2002:7f00:1::1]', /6to4 address of 127\.0\.0\.1/],
  ['[2002:c0a8:101::1]', /6to4 address of 192\.168\.1\.1/],
  ['[2002:c058:6301::]', /6to4 address of 192\.88\.99\.1/],
  ['[3fff::1]', /documentation address \(3fff::\/20\)/],
  ['[3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff]', /documentation address \(3fff::\/20\)/],
  ['[5f00::1]', /segment-routing address \(5f00::\/16\)/],
  ['[fc00::]', /unique-local/],
  ['[fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]', /unique-local/],
  ['[fe80::]', /link-local address \(fe80::\/10\)/],
  ['[febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff]', /link-local/],
  ['[fec0::]', /site-local/],
  ['[feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]', /site-local/],
  ['[ff00::]', /multicast address \(ff00::\/8\)/],
  ['[ff0e::1]', /multicast/],
  ['[fe00::1]', /outside the global unicast range/],
  ['[4000::1]', /outside the global unicast range/],
  ['[1::1]', /outside the global unicast range/],
  // Wildcard DNS (beyond the loop over WILDCARD_DNS_DOMAINS below): the issue's names and spellings.
  ['localho.st', /localho\.st names resolve to 127\.0\.0\.1/],
  ['LOCALHO.ST.', /localho\.st names/],
  ['\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff0e\uff53\uff54', /localho\.st names/],
  ['x.y.localho.st', /localho\.st names/],
  ['app.local.gd', /local\.gd names resolve to 127\.0\.0\.1/],
  ['10.0.0.1.nip.direct', /nip\.direct names resolve to whatever address/],
  ['make-127.0.0.1-rr.1u.ms', /1u\.ms names resolve to .*DNS rebinding/],
  ['7f000001.c0a80001.rbndr.us', /rbndr\.us names resolve to .*DNS rebinding/],
  ['10-0-0-1.sslip.io', /sslip\.io/],
  ['127.0.0.1.xip.io', /xip\.io/],
  ['10.0.0.1.traefik.me', /traefik\.me/],
  ['\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3', /names under \.localhost/],
  ['hooks.test', /\.test is a special-use name/],
  ['a.invalid', /\.invalid is a special-use name/],
  ['siem.example', /\.example is a special-use name/],
  ['x.onion', /\.onion is a special-use name/],
  ['x.alt', /\.alt is a special-use name/],
];

const ACCEPTED = [
  '9.255.255.255',
  '11.0.0.0',
  '1.0.0.0',
  '100.63.255.255',
  '100.128.0.0',
  '126.255.255.255',
  '128.0.0.0',
  '169.253.255.255',
  '169.255.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '191.255.255.255',
  '192.0.1.0',
  '192.0.3.0',
  // Globally reachable special-purpose blocks (AS112, AMT): real public anycast services.
  '192.31.196.1',
  '192.52.193.1',
  '192.175.48.1',
  '192.88.98.255',
  '192.88.100.0',
  '192.167.255.255',
  '192.169.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '198.51.99.255',
  '198.51.101.0',
  '203.0.112.255',
  '203.0.114.0',
  '223.255.255.255',
  '134744072',
  '[2001:200::1]',
  '[2001:4860:4860::8888]',
  '[2001:db7:ffff:ffff:ffff:ffff:ffff:ffff]',
  '[2001:db9::1]',
  '[2002:808:808::1]',
  '[2003::1]',
  '[3fff:1000::1]',
  '[2620:4f:8000::1]',
  '[2a00:1450:4001::1]',
  'notlocalho.st',
  'localho.st.example.com',
  'mylocal.gd',
  'nip.io.example.com',
  'xnip.direct',
  'a1u.ms',
  'rbndr.us.example.net',
  'test.com',
  'siem.example.com',
  'alt.example.org',
];

describe('webhook URL rule: the table of special ranges and names', () => {
  it('refuses every special-purpose address, odd spelling and wildcard-DNS name, naming why', () => {
    // Every row is checked and every mismatch listed, not only the first.
    const wrong = REFUSED.map(([host, expected]) => [host, reason(strict(`https://${host}/hook`)), expected] as const).filter(
      ([, answer, expected]) => !expected.test(answer),
    );
    expect(wrong.map(([host, answer]) => `${host}: ${answer}`)).toEqual([]);
  });

  it('refuses every listed wildcard-DNS domain and every name under it', () => {
    expect(Object.keys(WILDCARD_DNS_DOMAINS).length).toBeGreaterThanOrEqual(15);
    for (const domain of Object.keys(WILDCARD_DNS_DOMAINS)) {
      for (const host of [domain, `127.0.0.1.${domain}`, `a.b.${domain}.`]) {
        expect(reason(strict(`https://${host}/`)), host).toMatch(
          new RegExp(`^is refused: ${domain.replaceAll('.', '\\.')} names resolve to`),
        );
      }
    }
  });

  it('accepts the public neighbours just outside each refused range and name', () => {
    const refused = ACCEPTED.map((host) => `${host}: ${reason(strict(`https://${host}/hook`))}`).filter(
      (line) => !line.endsWith(': accepted'),
    );
    expect(refused).toEqual([]);
  });
});
