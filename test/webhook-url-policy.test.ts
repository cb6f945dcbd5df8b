import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockedIpv4, parseIpv6 } from '../worker/webhooks/ip-ranges.ts';
import { checkWebhookUrl } from '../worker/webhooks/url-policy.ts';

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
