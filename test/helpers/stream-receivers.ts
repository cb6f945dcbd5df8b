import { env } from 'cloudflare:workers';
import { AwsClient } from 'aws4fetch';
import { expect } from 'vitest';
import type { SequenceSummary } from '../../scripts/lib/receiver-controls.ts';
import type { StreamType } from '../../worker/contract/log-streams.ts';
import { S3_BUCKET, S3_KEY, S3_REGION } from '../setup/stream-credentials.ts';
import { hook } from './webhooks.ts';

/**
 * The outage switch and the compact read-back of the local stream receivers
 * (scripts/lib/receiver-controls.ts), one organization's part of each: a test takes its own
 * stream's destination down without refusing the requests of other test files sharing the receiver.
 */
export interface Receivers {
  https: { name: string; url: string; secret: string };
  organizationId: string;
  /** The s3 stream's key prefix: the gate's outage is scoped by path. */
  s3Prefix: string;
}

/** The S3 gate's summary: each accepted batch is a stored object, with its key. */
export interface S3Summary extends Omit<SequenceSummary, 'accepted'> {
  accepted: Array<SequenceSummary['accepted'][number] & { key: string }>;
}

const controlBase = (type: Exclude<StreamType, 'https'>) =>
  ({ splunk_hec: env.SPLUNK_HEC_RECEIVER, datadog: env.DATADOG_RECEIVER, s3: env.S3_RECEIVER })[type];

/** Takes the type's destination down (503, each in its own words) for the organization, or brings it back. */
export async function setOutage(receivers: Receivers, type: StreamType, down: boolean): Promise<void> {
  if (type === 'https') {
    const { name, secret } = receivers.https;
    await hook({ name, secret, behaviour: down ? { kind: 'status', status: 503 } : { kind: 'ok' } });
    return;
  }
  const response =
    type === 's3'
      ? await fetch(`${env.S3_RECEIVER}/_control/outage?path=${encodeURIComponent(`/${S3_BUCKET}/${receivers.s3Prefix}/`)}`, {
          method: down ? 'PUT' : 'DELETE',
        })
      : await fetch(`${controlBase(type)}/_control/outage`, {
          method: 'PUT',
          body: JSON.stringify({ status: down ? 503 : 0, organizationId: receivers.organizationId }),
        });
  expect(response.status).toBe(200);
  await response.body?.cancel();
}

/** What the type's destination accepted of the organization's events, request by request in arrival order. */
export async function acceptedSequences(receivers: Receivers, type: StreamType): Promise<SequenceSummary> {
  const query = `sequences?organizationId=${encodeURIComponent(receivers.organizationId)}`;
  const url =
    type === 'https' ? `${env.WEBHOOK_RECEIVER}/_control/${receivers.https.name}/${query}` : `${controlBase(type)}/_control/${query}`;
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as SequenceSummary;
}

export interface DeliveryCheck {
  /** Events received, duplicates included. */
  received: number;
  /** Events received again after their first arrival (at least once). */
  duplicates: number;
  /** Events of other organizations in requests that carried this one's. */
  foreign: number;
  missing: number[];
  unexpected: number[];
  /** The first position where the first-arrival order differs from the expected ascending list (-1: none). */
  firstMismatch: number;
}

/**
 * Deduplicates by sequence in arrival order and compares the first arrivals with `expected`
 * (ascending): equal means every expected event exactly once after dedup, in order, nothing else.
 * Answers a small summary, so a failure does not print 100,000 numbers.
 */
export function checkDelivery(summary: SequenceSummary, expected: readonly number[]): DeliveryCheck {
  const seen = new Set<number>();
  const firstArrivals: number[] = [];
  const check: DeliveryCheck = { received: 0, duplicates: 0, foreign: 0, missing: [], unexpected: [], firstMismatch: -1 };
  for (const batch of summary.accepted) {
    check.foreign += batch.foreign;
    for (const sequence of batch.sequences) {
      check.received += 1;
      if (seen.has(sequence)) check.duplicates += 1;
      else {
        seen.add(sequence);
        firstArrivals.push(sequence);
      }
    }
  }
  const wanted = new Set(expected);
  check.missing = expected.filter((sequence) => !seen.has(sequence)).slice(0, 10);
  check.unexpected = firstArrivals.filter((sequence) => !wanted.has(sequence)).slice(0, 10);
  const length = Math.max(firstArrivals.length, expected.length);
  for (let index = 0; index < length && check.firstMismatch < 0; index += 1) {
    if (firstArrivals[index] !== expected[index]) check.firstMismatch = index;
  }
  return check;
}

/** Every object key under a prefix of the test bucket, listed through the gate with Signature V4. */
export async function listBucket(prefix: string): Promise<string[]> {
  const client = new AwsClient({ ...S3_KEY, service: 's3', region: S3_REGION });
  const keys: string[] = [];
  let token = '';
  for (;;) {
    const query = new URLSearchParams({ 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) });
    const response = await client.fetch(`${env.S3_RECEIVER}/${S3_BUCKET}?${query}`);
    const xml = await response.text();
    expect(response.status, xml).toBe(200);
    for (const match of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(decodeXml(match[1] ?? ''));
    token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1] ?? '';
    if (!/<IsTruncated>true<\/IsTruncated>/.test(xml) || !token) return keys;
  }
}

const decodeXml = (text: string) =>
  text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name] ?? '');

/** One object of the test bucket, unzipped: its events' sequences in order. */
export async function objectSequences(key: string): Promise<number[]> {
  const client = new AwsClient({ ...S3_KEY, service: 's3', region: S3_REGION });
  const path = key.split('/').map(encodeURIComponent).join('/');
  const response = await client.fetch(`${env.S3_RECEIVER}/${S3_BUCKET}/${path}`);
  expect(response.status).toBe(200);
  const text = await new Response(response.body?.pipeThrough(new DecompressionStream('gzip'))).text();
  return text
    .trimEnd()
    .split('\n')
    .map((line) => (JSON.parse(line) as { sequence: number }).sequence);
}
