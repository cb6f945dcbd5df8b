import { describe, expect, it } from 'vitest';
import type { AuditEvent, IngestResult } from '../worker/contract/index.ts';
import type { StreamPage } from '../worker/contract/stream.ts';
import { call, createKey, createOrg, expectProblem, json, type TestOrg } from './helpers/api.ts';
import { type EventInput, makeEvent } from './helpers/events.ts';
import { eventsD1 } from './helpers/shards.ts';

const ingest = (org: TestOrg, body: unknown, token = org.ownerKey) =>
  call(`/api/v1/organizations/${org.orgId}/audit-logs`, { method: 'POST', token, body });

async function sequencesOf(orgId: string): Promise<number[]> {
  const result = await (await eventsD1(orgId))
    .prepare('SELECT sequence FROM audit_events_by_organization WHERE organization_id = ? ORDER BY sequence')
    .bind(orgId)
    .all<{ sequence: number }>();
  return result.results.map((row) => row.sequence);
}

const oneTo = (last: number) => Array.from({ length: last }, (_, index) => index + 1);

async function stream(org: TestOrg, query: string, token = org.ownerKey): Promise<StreamPage> {
  return json<StreamPage>(await call(`/api/v1/organizations/${org.orgId}/audit-log-stream?${query}`, { token }), 200);
}

describe('per-organization sequence', () => {
  it('numbers events 1..N exactly once in commit order under many concurrent writers, duplicates and rejected batches taking none', async () => {
    const org = await createOrg('seq-concurrent');
    const ingestKey = await createKey(org, 'ingest');
    const writers = 16;
    const perWriter = 25;
    // Each writer sends its batch twice at once (a retry racing the original), plus a batch that
    // is rejected (one invalid item): the retries must be duplicates, the rejected batch takes no number.
    const batches = Array.from({ length: writers }, (_, writer) =>
      Array.from({ length: perWriter }, (_, index) => makeEvent(index, { id: `w${writer}-e${index}` }, writer + index / 100)),
    );
    const rejected = [makeEvent(0, { id: 'never-stored' }), { ...makeEvent(1), action: '' }];
    const responses = await Promise.all([
      ...batches.flatMap((items) => [ingest(org, { items }, ingestKey.secret), ingest(org, { items }, ingestKey.secret)]),
      ...Array.from({ length: 4 }, () => ingest(org, { items: rejected }, ingestKey.secret)),
    ]);
    const results = await Promise.all(responses.slice(0, writers * 2).map((response) => json<IngestResult>(response, 201)));
    for (const response of responses.slice(writers * 2)) await expectProblem(response, 422);
    expect(results.reduce((sum, result) => sum + result.accepted, 0)).toBe(writers * perWriter);
    expect(results.reduce((sum, result) => sum + result.duplicates, 0)).toBe(writers * perWriter);

    const total = 3 + writers * perWriter + 1; // organization creation (3) + events + the ingest key's creation
    expect(await sequencesOf(org.orgId)).toEqual(oneTo(total));
    // Within one batch the numbers follow the items' order (one statement, one commit).
    const page = await stream(org, 'afterSequence=0&limit=1000');
    for (const items of batches) {
      const numbers = items.map((item) => page.items.find((event) => event.id === item.id)?.sequence ?? -1);
      expect(numbers).toEqual(numbers.map((_, index) => (numbers[0] as number) + index));
    }
    expect(page.highestSequence).toBe(total);
  });

  it('gives a late event (an old timestamp) the next number, not a place among older ones', async () => {
    const org = await createOrg('seq-late');
    await json(await ingest(org, makeEvent(0, { id: 'recent' }, 1)), 201);
    await json(await ingest(org, makeEvent(0, { id: 'late' }, 60 * 24 * 3)), 201);
    const page = await stream(org, 'afterSequence=3');
    expect(page.items.map((event) => [event.id, event.sequence])).toEqual([
      ['recent', 4],
      ['late', 5],
    ]);
  });

  it('never reuses a number, also after the newest events of an idle organization are gone', async () => {
    const org = await createOrg('seq-reuse');
    await json(await ingest(org, makeEvent(0, { id: 'a' })), 201);
    // Retention removes rows; the counter, not max(sequence), decides the next number.
    await (await eventsD1(org.orgId))
      .prepare('DELETE FROM audit_events WHERE org_key = (SELECT org_key FROM organization_sequences WHERE organization_id = ?)')
      .bind(org.orgId)
      .run();
    await json(await ingest(org, makeEvent(0, { id: 'b' })), 201);
    expect(await sequencesOf(org.orgId)).toEqual([5]);
  });
});

describe('acknowledged means stored', () => {
  it('answers 409 to every concurrent writer whose content differs from the stored event (≥ 8 writers per id)', async () => {
    const org = await createOrg('race');
    const ids = ['race-a', 'race-b', 'race-c'];
    const writersPerId = 10;
    const attempts = ids.flatMap((id) =>
      Array.from({ length: writersPerId }, (_, writer) => ({
        id,
        content: makeEvent(0, { id, details: { message: `writer ${writer}` } }),
      })),
    );
    // Every writer of an id sends other content: exactly one may win, each other one must get 409.
    const responses = await Promise.all(attempts.map((attempt) => ingest(org, attempt.content)));
    const stored = new Map<string, string>();
    for (const id of ids) {
      const page = await json<{ items: AuditEvent[] }>(
        await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.objectName=app-0&filters.limit=100`, { token: org.ownerKey }),
        200,
      );
      const event = page.items.find((item) => item.id === id);
      expect(event).toBeDefined();
      stored.set(id, String(event?.details.message));
    }
    let winners = 0;
    for (const [index, response] of responses.entries()) {
      const attempt = attempts[index] as (typeof attempts)[number];
      const sameAsStored = attempt.content.details?.message === stored.get(attempt.id);
      if (response.status === 201) {
        const result = await json<IngestResult>(response, 201);
        // A 201 (accepted or duplicate) only ever for the content that is stored.
        expect(sameAsStored, `${attempt.id}: acknowledged "${String(attempt.content.details?.message)}"`).toBe(true);
        winners += result.accepted;
      } else {
        const problem = await expectProblem(response, 409);
        expect(problem.type).toBe('urn:problem:audit-logs:event-id-conflict');
        expect(sameAsStored).toBe(false);
      }
    }
    expect(winners).toBe(ids.length);
  });

  it('writes nothing of a batch that loses such a race', async () => {
    const org = await createOrg('race-batch');
    const shared = (message: string) => makeEvent(0, { id: 'shared', details: { message } });
    const batches = Array.from({ length: 8 }, (_, writer) => ({
      items: [shared(`writer ${writer}`), makeEvent(1, { id: `own-${writer}` })],
    }));
    const responses = await Promise.all(batches.map((body) => ingest(org, body)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(7);
    const ownStored = (await sequencesOf(org.orgId)).length - 3;
    expect(ownStored).toBe(2); // the winner's two events, none of the losers'
  });
});

describe('incremental stream', () => {
  async function seeded(label: string, count: number): Promise<TestOrg> {
    const org = await createOrg(label);
    const items: EventInput[] = Array.from({ length: count }, (_, index) => makeEvent(index, { id: `s-${index}` }));
    await json(await ingest(org, { items }), 201);
    return org;
  }

  it('reads every event exactly once, ascending, resuming from the last sequence (the importer loop)', async () => {
    const org = await seeded('stream-loop', 230);
    const seen: number[] = [];
    let after = 0;
    let rounds = 0;
    for (;;) {
      const page = await stream(org, `afterSequence=${after}&limit=100`);
      seen.push(...page.items.map((event) => event.sequence));
      expect(page.lastSequence).toBe(page.items.at(-1)?.sequence ?? after);
      after = page.lastSequence;
      rounds += 1;
      if (!page.hasMore) break;
      // Events arriving between rounds are picked up by the next round, never skipped.
      if (rounds === 1) await json(await ingest(org, makeEvent(0, { id: 'arrived-meanwhile' }, 60 * 24 * 5)), 201);
    }
    expect(seen).toEqual(oneTo(234));
    const last = await stream(org, `afterSequence=${after}`);
    expect(last).toEqual({ items: [], lastSequence: 234, highestSequence: 234, hasMore: false });
  });

  it('validates its parameters and is closed to other organizations and to non-owners', async () => {
    const org = await seeded('stream-guard', 3);
    const other = await createOrg('stream-other');
    for (const query of ['afterSequence=-1', 'afterSequence=x', 'limit=0', 'limit=1001', 'afterSequence=1.5']) {
      await expectProblem(await call(`/api/v1/organizations/${org.orgId}/audit-log-stream?${query}`, { token: org.ownerKey }), 400);
    }
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/audit-log-stream`, { token: other.ownerKey }), 403);
    for (const role of ['admin', 'member', 'ingest'] as const) {
      const key = await createKey(org, role);
      await expectProblem(await call(`/api/v1/organizations/${org.orgId}/audit-log-stream`, { token: key.secret }), 403);
    }
    await expectProblem(await call(`/api/v1/organizations/${org.orgId}/audit-log-stream`), 401);
    // The other organization's stream holds only its own events.
    const mine = await stream(other, 'afterSequence=0');
    expect(mine.items.every((event) => event.organizationId === other.orgId)).toBe(true);
  });
});
