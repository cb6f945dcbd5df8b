import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../worker/contract/audit-event.ts';
import { DATADOG_LIMITS, datadogEntry, datadogIntakeUrl, datadogRequests } from '../worker/streams/destinations/datadog.ts';
import { hecTime, splunkHecRequest } from '../worker/streams/destinations/splunk-hec.ts';
import { type DatadogLog, event, events, gunzip, type HecLog, HOSTILE, log, orgId, send } from './helpers/stream-events.ts';
import { DATADOG_API_KEY, HEC_TOKEN } from './setup/stream-credentials.ts';

describe('splunk_hec', () => {
  const settings = () => ({ url: `${env.SPLUNK_HEC_RECEIVER}/services/collector/event`, token: HEC_TOKEN });

  it('is accepted by the HEC receiver with every envelope, in order, hostile strings intact', async () => {
    const org = orgId();
    const batch = [...events(org, 3), event(org, 4, HOSTILE)];
    const response = await send(splunkHecRequest(batch, settings()));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ text: 'Success', code: 0 });
    const mine = (await log<HecLog>(env.SPLUNK_HEC_RECEIVER))
      .flatMap((entry) => entry.envelopes)
      .filter((envelope) => envelope.event.organizationId === org);
    expect(mine.map((envelope) => envelope.event)).toEqual(batch);
    expect(mine[0]).toMatchObject({ time: 1795515330.124, source: 'audit-logs', sourcetype: 'audit-logs:event' });
  });

  it('answers 403 "Invalid token" to a wrong token and 401 to a missing one', async () => {
    const request = splunkHecRequest(events(orgId(), 1), { ...settings(), token: 'wrong-token' });
    const wrong = await send(request);
    expect([wrong.status, await wrong.json()]).toEqual([403, { text: 'Invalid token', code: 4 }]);
    const { authorization: _, ...headers } = request.headers;
    const missing = await send({ ...request, headers });
    expect([missing.status, await missing.json()]).toEqual([401, { text: 'Token is required', code: 2 }]);
  });

  it('refuses envelopes that break the contract, and bodies that are not concatenated JSON', async () => {
    const request = splunkHecRequest(events(orgId(), 2), settings());
    const text = new TextDecoder().decode(request.body);
    for (const [body, code] of [
      [text.replace('"sourcetype":"audit-logs:event"', '"sourcetype":"json"'), 6],
      [text.replace('"event":', '"evnt":'), 12],
      [`${text}[1]`, 6],
      ['', 5],
    ] as const) {
      const response = await send({ ...request, body: new TextEncoder().encode(body) });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: number }).code).toBe(code);
    }
  });

  it('writes time as epoch seconds with milliseconds', () => {
    expect(hecTime('2026-11-24T10:15:30.123Z')).toBe(1795515330.123);
    expect(JSON.stringify(hecTime('2026-11-24T10:15:30.100Z'))).toBe('1795515330.1');
  });
});

describe('datadog', () => {
  const settings = () => ({ url: `${env.DATADOG_RECEIVER}/api/v2/logs`, apiKey: DATADOG_API_KEY });

  it('builds the site intake URL and refuses unknown sites', () => {
    expect(datadogIntakeUrl({ site: 'datadoghq.eu' })).toBe('https://http-intake.logs.datadoghq.eu/api/v2/logs');
    expect(() => datadogIntakeUrl({ site: 'evil.example' })).toThrow(/not a Datadog site/);
  });

  it('is accepted by the intake receiver: gzip, every event once and in order, hostile strings intact', async () => {
    const org = orgId();
    const batch = [...events(org, 2499), event(org, 2500, HOSTILE)];
    const requests = await datadogRequests(batch, settings());
    expect(requests.map((request) => request.eventCount)).toEqual([1000, 1000, 500]);
    for (const request of requests) expect((await send(request)).status).toBe(202);
    const mine = (await log<DatadogLog>(env.DATADOG_RECEIVER))
      .flatMap((entry) => entry.entries)
      .map((entry) => JSON.parse(entry.message) as AuditEvent)
      .filter((sent) => sent.organizationId === org);
    expect(mine).toEqual(batch);
  });

  it('splits by the 5 MB payload limit and keeps each entry under 1 MB', async () => {
    const org = orgId();
    const big = 'x'.repeat(30_000);
    const batch = Array.from({ length: 400 }, (_, index) => event(org, index + 1, big));
    const requests = await datadogRequests(batch, settings());
    expect(requests.length).toBeGreaterThan(2);
    for (const request of requests) {
      expect(new TextEncoder().encode(await gunzip(request.body)).length).toBeLessThanOrEqual(DATADOG_LIMITS.maxPayloadBytes);
      expect((await send(request)).status).toBe(202);
    }
    const huge = datadogEntry(event(org, 1, 'y'.repeat(2_000_000)));
    expect(huge.truncated).toBe(true);
    expect(new TextEncoder().encode(JSON.stringify(huge)).length).toBeLessThanOrEqual(DATADOG_LIMITS.maxEntryBytes);
  });

  it('answers 403 to a wrong key, 413 to oversize requests, 400 to plain JSON', async () => {
    const [request] = await datadogRequests(events(orgId(), 1), settings());
    if (!request) throw new Error('no request');
    expect((await send({ ...request, headers: { ...request.headers, 'dd-api-key': 'wrong' } })).status).toBe(403);
    const { 'content-encoding': _, ...plain } = request.headers;
    expect((await send({ ...request, headers: plain, body: new TextEncoder().encode(await gunzip(request.body)) })).status).toBe(400);
    const gz = async (text: string) =>
      new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
    const entry = JSON.stringify(datadogEntry(event('org_x', 1)));
    const tooMany = `[${Array.from({ length: 1001 }, () => entry).join(',')}]`;
    expect((await send({ ...request, body: await gz(tooMany) })).status).toBe(413);
    const oneHuge = JSON.stringify([{ ...JSON.parse(entry), message: JSON.stringify({ pad: 'z'.repeat(1_100_000) }) }]);
    expect((await send({ ...request, body: await gz(oneHuge) })).status).toBe(413);
    const tooBig = `[${Array.from({ length: 60 }, () => JSON.stringify({ ...JSON.parse(entry), message: JSON.stringify({ pad: 'z'.repeat(90_000) }) })).join(',')}]`;
    expect((await send({ ...request, body: await gz(tooBig) })).status).toBe(413);
  });
});
