/**
 * A copy of an organization's record as an importer keeps it (one event a line, each with its
 * contentHash, as the stream and the NDJSON export give them) and the signed checkpoints over it,
 * written here with node:crypto and a small RFC 8785 serializer of its own, independently of the
 * Worker's code (worker/events/content-hash.ts), so the verifier is checked against a second
 * implementation of the definitions (docs/verifying-archives.md).
 */
import { createHash, type KeyObject, sign } from 'node:crypto';

export const STREAM_ORG = 'org_01KA0M0000000000000000STRM';

/** RFC 8785 for what these events hold (strings, integers, null, objects): keys sorted by UTF-16 code units. */
export function jcs(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${jcs(item)}`).join(',')}}`;
}

const sha256 = (bytes: Uint8Array | string): Buffer => createHash('sha256').update(bytes).digest();

export function contentHash(event: Record<string, unknown>): string {
  const { contentHash: _, ...content } = event;
  return sha256(jcs(content)).toString('hex');
}

export const nextChain = (previous: string, hash: string): string =>
  sha256(Buffer.concat([Buffer.from(previous, 'hex'), Buffer.from(hash, 'hex')])).toString('hex');

export function streamEvent(sequence: number): Record<string, unknown> {
  const timestamp = new Date(Date.UTC(2026, 10, 24, 10, 0, sequence)).toISOString();
  const event = {
    id: `01KA0M00000000000000STRM${String(sequence).padStart(2, '0')}`,
    organizationId: STREAM_ORG,
    instanceId: null,
    timestamp,
    action: sequence % 3 === 0 ? 'delete' : 'update',
    actor: { type: 'user', id: 'zoë@example.com', ip: '203.0.113.7' },
    object: {
      type: 'argocd_application',
      id: { name: `app-${sequence}`, kind: 'Application', group: 'argoproj.io' },
      parentId: { name: 'prod', parentName: '', applicationName: '' },
    },
    details: { message: `Synced "${sequence}"\n`, patch: '', actionType: 'sync' },
    count: 1,
    lastOccurredTimestamp: timestamp,
    source: 'ingest',
    sourceKeyId: 'key_01KA0M0000000000000000STRM',
    credential: { type: 'api_key', id: 'key_01KA0M0000000000000000STRM' },
    sequence,
  };
  return { ...event, contentHash: contentHash(event) };
}

export interface SignedCheckpoint {
  organizationId: string;
  sequence: number;
  chainHash: string;
  time: string;
  previousCheckpoint: { sequence: number; chainHash: string } | null;
  signature: string;
}

/** Checkpoints at `at` over `events` (ascending from sequence 1), each linked to the one before, signed with `key`. */
export function checkpointsOver(events: Record<string, unknown>[], at: number[], key: KeyObject): SignedCheckpoint[] {
  const checkpoints: SignedCheckpoint[] = [];
  let chain = '0'.repeat(64);
  for (const event of events) {
    chain = nextChain(chain, contentHash(event));
    const sequence = event.sequence as number;
    if (!at.includes(sequence)) continue;
    const previous = checkpoints.at(-1);
    const unsigned = {
      organizationId: STREAM_ORG,
      sequence,
      chainHash: chain,
      time: new Date(Date.UTC(2026, 10, 24, 10 + checkpoints.length, 0, 0, 123)).toISOString(),
      previousCheckpoint: previous ? { sequence: previous.sequence, chainHash: previous.chainHash } : null,
    };
    checkpoints.push({ ...unsigned, signature: sign(null, Buffer.from(jcs(unsigned)), key).toString('base64') });
  }
  return checkpoints;
}

export const ndjson = (events: Record<string, unknown>[]): string => events.map((event) => `${JSON.stringify(event)}\n`).join('');
