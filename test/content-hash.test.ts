// contentHash and the hash chain (worker/events/content-hash.ts, docs/INTEGRITY.md): RFC 8785
// canonical JSON, SHA-256 cross-checked against WebCrypto, and the chain's definition.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEventJson, contentHashOf, GENESIS_CHAIN_HASH, nextChainHash } from '../worker/events/content-hash.ts';
import { toHex } from '../worker/hex.ts';

const webCryptoHex = async (bytes: Uint8Array) => toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));

describe('contentHash', () => {
  it('is SHA-256 of RFC 8785 canonical JSON: keys sorted by UTF-16 code unit, ES number form, no whitespace, contentHash left out', async () => {
    const event = {
      sequence: 7,
      details: { z: 1e21, a: [1.5, -0, 1e-7, 100], '\u20ac': 'euro', '\ud83d\ude00': 'emoji', é: 'e' },
      id: 'evt',
      contentHash: 'ignored',
    };
    const json = canonicalEventJson(event);
    // U+20AC sorts after U+00E9 and before the surrogate pair of U+1F600 (0xD83D), as UTF-16 units do.
    expect(json).toBe('{"details":{"a":[1.5,0,1e-7,100],"z":1e+21,"é":"e","€":"euro","😀":"emoji"},"id":"evt","sequence":7}');
    expect(contentHashOf(event)).toBe(await webCryptoHex(new TextEncoder().encode(json)));
  });

  it('does not depend on key order, and changes with any field, the sequence included', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.integer({ min: 1 }), (details, sequence) => {
        const event = { id: 'e', sequence, details };
        const reordered = { details: Object.fromEntries(Object.entries(details).reverse()), sequence, id: 'e' };
        expect(contentHashOf(reordered)).toBe(contentHashOf(event));
        expect(contentHashOf({ ...event, sequence: sequence + 1 })).not.toBe(contentHashOf(event));
      }),
      { numRuns: 200 },
    );
  });
});

describe('hash chain', () => {
  it('chain(n) = SHA-256(chain(n-1) raw ‖ contentHash(n) raw), from 32 zero bytes', async () => {
    const hashes = ['a'.repeat(64), 'b'.repeat(64)];
    let chain = GENESIS_CHAIN_HASH;
    for (const hash of hashes) {
      const input = new Uint8Array(64);
      input.set(
        Uint8Array.from(chain.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16)),
        0,
      );
      input.set(
        Uint8Array.from(hash.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16)),
        32,
      );
      const expected = await webCryptoHex(input);
      chain = nextChainHash(chain, hash);
      expect(chain).toBe(expected);
    }
    expect(GENESIS_CHAIN_HASH).toMatch(/^0{64}$/);
  });
});
