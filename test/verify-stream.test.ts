/**
 * verifyStream in workerd, against checkpoints signed the Worker's way: the test ARCHIVE_SIGNING_KEY
 * (worker/archive/manifest.ts signBytes) over RFC 8785 canonical JSON, events hashed and chained by
 * worker/events/content-hash.ts. The standalone file is run against data of an independent writer in
 * test/e2e/standalone-verifier.test.ts; this proves the two definitions agree with the Worker's.
 */
import { env } from 'cloudflare:workers';
import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { importSigningKey, publicKeyOf, signBytes } from '../worker/archive/manifest.ts';
import { verifyStream } from '../worker/archive/verify/index.ts';
import { contentHashOf, GENESIS_CHAIN_HASH, nextChainHash } from '../worker/events/content-hash.ts';

const ORG = 'org_01KA0M000000000000000VSTRM';

function event(sequence: number): Record<string, unknown> {
  const timestamp = new Date(Date.UTC(2026, 10, 24, 9, 0, sequence)).toISOString();
  const content = {
    id: `ev-${sequence}`,
    organizationId: ORG,
    instanceId: null,
    timestamp,
    action: 'update',
    actor: { type: 'user', id: 'alice@example.com', ip: '' },
    object: {
      type: 'member',
      id: { name: `m${sequence}`, kind: '', group: '' },
      parentId: { name: '', parentName: '', applicationName: '' },
    },
    details: { message: '\u00e9\u{1f600}', patch: '', actionType: '', extra: { b: 1, a: [true, null] } },
    count: 1,
    lastOccurredTimestamp: timestamp,
    source: 'platform',
    sourceKeyId: null,
    credential: null,
    sequence,
  };
  return { ...content, contentHash: contentHashOf(content) };
}

async function signedCheckpoints(events: Record<string, unknown>[], at: number[]) {
  const key = await importSigningKey(env.ARCHIVE_SIGNING_KEY);
  const checkpoints: Record<string, unknown>[] = [];
  let chain = GENESIS_CHAIN_HASH;
  let previous: { sequence: number; chainHash: string } | null = null;
  for (const item of events) {
    chain = nextChainHash(chain, contentHashOf(item));
    const sequence = item.sequence as number;
    if (!at.includes(sequence)) continue;
    const unsigned = { organizationId: ORG, sequence, chainHash: chain, time: '2026-11-24T10:00:00.000Z', previousCheckpoint: previous };
    const signature = await signBytes(key, new Uint8Array(new TextEncoder().encode(canonicalize(unsigned))));
    checkpoints.push({ ...unsigned, signature: btoa(String.fromCharCode(...signature)) });
    previous = { sequence, chainHash: chain };
  }
  return { checkpoints: JSON.stringify({ checkpoints }), publicKeyPem: (await publicKeyOf(key)).pem };
}

describe('verifyStream against checkpoints signed with the archive key', () => {
  const events = Array.from({ length: 12 }, (_, index) => event(index + 1));
  const lines = events.map((item) => JSON.stringify(item));

  it('verifies a complete copy through the latest checkpoint', async () => {
    const result = await verifyStream({ ...(await signedCheckpoints(events, [5, 12])), lines });
    expect(result.problems).toEqual([]);
    expect(result.verifiedThrough?.sequence).toBe(12);
  });

  it('names the first sequence when a line is altered, and refuses a checkpoint altered after signing', async () => {
    const signed = await signedCheckpoints(events, [5, 12]);
    const altered = lines.map((line, index) => (index === 7 ? line.replace('"update"', '"delete"') : line));
    const result = await verifyStream({ ...signed, lines: altered });
    expect(result.ok).toBe(false);
    expect(result.firstAffected).toBe('8');
    const moved = signed.checkpoints.replace('"sequence":5,', '"sequence":4,');
    const forged = await verifyStream({ ...signed, checkpoints: moved, lines });
    expect(forged.problems.map((problem) => problem.message).join('\n')).toMatch(
      /checkpoint at sequence 4 .*the signature does not verify/,
    );
  });
});
