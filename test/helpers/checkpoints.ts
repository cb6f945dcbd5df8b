/** Checkpoint helpers for the checkpoint tests: the API's answers, and the pure verification over them. */
import { env } from 'cloudflare:workers';
import { type DirectoryFile, verifyStream } from '../../worker/archive/verify/index.ts';
import { week as isoWeek, weekStartDate } from '../../worker/archive/week.ts';
import type { AuditEvent } from '../../worker/contract/index.ts';
import type { Checkpoint } from '../../worker/events/checkpoint.ts';
import { buildWeekArchive } from '../../worker/services/archive/build.ts';
import { archiveKeys } from '../../worker/services/archive/storage.ts';
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

/** The answer of GET …/audit-log-checkpoints as an auditor saves it (the bytes, as is). */
export async function checkpointsText(org: TestOrg): Promise<string> {
  const response = await call(checkpointsPath(org), { token: org.ownerKey });
  if (response.status !== 200) throw new Error(`GET checkpoints: ${response.status}`);
  return response.text();
}

/**
 * What an outside auditor runs (`audit-log-verify --stream`): the standalone verifier's own check
 * over the stream saved as NDJSON (one event a line) and the checkpoints answer saved as is.
 */
export async function verifyOrganization(org: TestOrg, checkpoints?: string) {
  const lines = (await readWholeStream(org)).map((event) => JSON.stringify(event));
  return verifyStream({ checkpoints: checkpoints ?? (await checkpointsText(org)), publicKeyPem: await publicKeyPem(), lines });
}

/** The messages of a verification's problems, joined (for `toContain`). */
export const problemText = (result: { problems: { message: string }[] }): string =>
  result.problems.map((problem) => problem.message).join('\n');

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

/**
 * Builds (again) every week the organization's events fall in, as the weekly job would, and adds
 * each new revision's three files to `folder` under the names the service stores them by.
 */
export async function archiveWeeks(org: TestOrg, folder: DirectoryFile[]): Promise<number> {
  const starts = new Set((await readWholeStream(org)).map((event) => isoWeek(weekStartDate(Date.parse(event.timestamp))).startDate));
  let built = 0;
  for (const startDate of starts) {
    const result = await buildWeekArchive(
      { db: await eventsDatabase(org.orgId), bucket: env.ARCHIVES, signingKey: env.ARCHIVE_SIGNING_KEY },
      org.orgId,
      startDate,
      { now: Date.now(), settleMs: 0 },
    );
    if (!result) continue;
    built += 1;
    const keys = archiveKeys(org.orgId, startDate, result.archive.revision);
    for (const key of [keys.zip, keys.manifest, keys.signature]) {
      const object = await env.ARCHIVES.get(key);
      if (!object) throw new Error(`no R2 object ${key}`);
      const bytes = new Uint8Array(await object.arrayBuffer());
      folder.push({ name: key.slice(key.lastIndexOf('/') + 1), read: async () => bytes });
    }
  }
  return built;
}

/** The tampers of the acceptance, each on the events from sequence `k` (k + 1 < last). */
export const TAMPERS = {
  alter: async (org: TestOrg, k: number) =>
    tamper(org, 'UPDATE audit_events SET action = ? WHERE org_key = :org AND sequence = ?', 'delete', k),
  delete: async (org: TestOrg, k: number) => tamper(org, 'DELETE FROM audit_events WHERE org_key = :org AND sequence = ?', k + 2),
  reorder: async (org: TestOrg, k: number) => {
    await tamper(org, 'UPDATE audit_events SET sequence = -1 WHERE org_key = :org AND sequence = ?', k);
    await tamper(org, 'UPDATE audit_events SET sequence = ? WHERE org_key = :org AND sequence = ?', k, k + 1);
    await tamper(org, 'UPDATE audit_events SET sequence = ? WHERE org_key = :org AND sequence = -1', k + 1);
  },
  /** One row at `k` (a copy of k + 1 under another id and name), the later ones renumbered to make room. */
  insert: async (org: TestOrg, k: number) => {
    // Out of the unique index's way first (negative), then back one higher.
    await tamper(org, 'UPDATE audit_events SET sequence = -sequence WHERE org_key = :org AND sequence >= ?', k);
    await tamper(org, 'UPDATE audit_events SET sequence = 1 - sequence WHERE org_key = :org AND sequence < 0');
    await tamper(
      org,
      `INSERT INTO audit_events (org_key, sequence, id, instance_id, timestamp, received_at, action, actor_type, actor_id, actor_ip, object_type, object_name, object_kind, object_group, object_namespace, parent_name, parent_parent_name, parent_application_name, parent_kargo_project_name, details_message, details_patch, details_action_type, details_json, content_hash, source, source_key_id, credential_type, credential_id)
       SELECT org_key, ?, 'forged-event', instance_id, timestamp, received_at, action, actor_type, actor_id, actor_ip, object_type, 'forged', object_kind, object_group, object_namespace, parent_name, parent_parent_name, parent_application_name, parent_kargo_project_name, details_message, details_patch, details_action_type, details_json, content_hash, source, source_key_id, credential_type, credential_id FROM audit_events WHERE org_key = :org AND sequence = ?`,
      k,
      k + 1,
    );
    await tamper(org, 'UPDATE organization_sequences SET last_sequence = last_sequence + 1 WHERE organization_id = ?', org.orgId);
  },
} as const;
