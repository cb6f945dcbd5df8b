/** Checkpoint helpers for the checkpoint tests: the API's answers, and the pure verification over them. */
import { env } from 'cloudflare:workers';
import { checkCheckpoints, checkpointVerificationKey } from '../../worker/archive/verify/checkpoint-check.ts';
import { StreamChainCheck, type StreamChainResult } from '../../worker/archive/verify/stream-chain-check.ts';
import type { AuditEvent } from '../../worker/contract/index.ts';
import type { Checkpoint } from '../../worker/events/checkpoint.ts';
import { createCheckpoint } from '../../worker/services/integrity/index.ts';
import { call, json, type TestOrg } from './api.ts';
import { eventsD1, eventsDatabase } from './shards.ts';

export const checkpointsPath = (org: TestOrg) => `/api/v1/organizations/${org.orgId}/audit-log-checkpoints`;

export async function publicKeyPem(): Promise<string> {
  return (await json<{ pem: string }>(await call('/api/v1/audit-logs-archives/public-key'), 200)).pem;
}

export async function listCheckpointsApi(org: TestOrg, token = org.ownerKey): Promise<Checkpoint[]> {
  return (await json<{ checkpoints: Checkpoint[] }>(await call(checkpointsPath(org), { token }), 200)).checkpoints;
}

/** Every event of the organization through the stream API, ascending. */
export async function readWholeStream(org: TestOrg): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await json<{ items: AuditEvent[]; lastSequence: number; hasMore: boolean }>(
      await call(`/api/v1/organizations/${org.orgId}/audit-log-stream?afterSequence=${after}&limit=1000`, { token: org.ownerKey }),
      200,
    );
    events.push(...page.items);
    after = page.lastSequence;
    if (!page.hasMore) return events;
  }
}

/** What an outside auditor runs: the checkpoints (signatures, links) and the stream against them. */
export async function verifyOrganization(org: TestOrg): Promise<StreamChainResult & { checkpointProblems: string[] }> {
  const key = await checkpointVerificationKey(await publicKeyPem());
  const checked = await checkCheckpoints({ checkpoints: await listCheckpointsApi(org) }, key, org.orgId);
  const stream = new StreamChainCheck(checked.valid);
  for (const event of await readWholeStream(org)) stream.add(event);
  return { ...stream.finish(), checkpointProblems: checked.problems.map((problem) => problem.message) };
}

/** A checkpoint signed the way the hourly job signs one (no request, no event recorded). */
export async function signCheckpoint(org: TestOrg, through?: number, now = Date.now()) {
  const db = await eventsDatabase(org.orgId);
  return createCheckpoint({ db, signingKey: env.ARCHIVE_SIGNING_KEY }, org.orgId, {
    now,
    reason: 'hourly',
    ...(through === undefined ? {} : { through }),
  });
}

/** Runs SQL on the organization's shard, `:org` standing for its key (what an attacker with database access does). */
export async function tamper(org: TestOrg, statement: string, ...values: unknown[]): Promise<void> {
  const key = `(SELECT org_key FROM organization_sequences WHERE organization_id = '${org.orgId.replaceAll("'", "''")}')`;
  await (await eventsD1(org.orgId))
    .prepare(statement.replaceAll(':org', key))
    .bind(...values)
    .run();
}
