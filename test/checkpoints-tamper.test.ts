/**
 * Tampering with the stored record directly in D1 (alter, delete, reorder, insert one event), and
 * a forged checkpoint: the next checkpoint refuses to sign over what it can see (a missing or
 * repeated sequence), and the outside auditor's verification (checkpoints + stream) detects every
 * one of them and names the first sequence affected. docs/INTEGRITY.md, "Checkpoints".
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { checkCheckpoints, checkpointVerificationKey } from '../worker/archive/verify/checkpoint-check.ts';
import { bytesToBase64, checkpointSignedBytes } from '../worker/events/checkpoint.ts';
import { runHourlyJobs } from '../worker/jobs/hourly-cron.ts';
import { call, createOrg, expectProblem, type TestOrg } from './helpers/api.ts';
import { ingestAll } from './helpers/archives.ts';
import {
  checkpointsPath,
  listCheckpointsApi,
  publicKeyPem,
  readWholeStream,
  signCheckpoint,
  tamper,
  verifyOrganization,
} from './helpers/checkpoints.ts';
import { makeEvent } from './helpers/events.ts';

/** An organization with ten ingested events after its own setup events, checkpointed at `k - 1` and at its end. */
async function checkpointed(label: string): Promise<{ org: TestOrg; k: number; last: number }> {
  const org = await createOrg(label);
  await ingestAll(
    org,
    Array.from({ length: 10 }, (_, index) => makeEvent(index)),
  );
  const events = await readWholeStream(org);
  const last = events.at(-1)?.sequence ?? 0;
  const k = last - 5;
  await signCheckpoint(org, k - 1);
  await signCheckpoint(org);
  const clean = await verifyOrganization(org);
  expect(clean.problems).toEqual([]);
  expect(clean.verifiedThrough).toBe(last);
  return { org, k, last };
}

describe('tampering with events a checkpoint covers is detected by the verification', () => {
  it('alter: one field of one event', async () => {
    const { org, k, last } = await checkpointed('tamper-alter');
    await tamper(org, 'UPDATE audit_events SET action = ? WHERE org_key = :org AND sequence = ?', 'delete', k);
    const result = await verifyOrganization(org);
    expect(result.firstAffectedSequence).toBe(k);
    expect(result.problems.join()).toContain(`${k}..${last}`);
    expect(result.verifiedThrough).toBe(k - 1);
  });

  it('delete: one row', async () => {
    const { org, k } = await checkpointed('tamper-delete');
    await tamper(org, 'DELETE FROM audit_events WHERE org_key = :org AND sequence = ?', k + 2);
    const result = await verifyOrganization(org);
    expect(result.firstAffectedSequence).toBe(k + 2);
    expect(result.problems.join()).toContain(`sequence ${k + 2} is missing`);
  });

  it('reorder: two rows swap their sequences', async () => {
    const { org, k } = await checkpointed('tamper-reorder');
    await tamper(org, 'UPDATE audit_events SET sequence = -1 WHERE org_key = :org AND sequence = ?', k);
    await tamper(org, 'UPDATE audit_events SET sequence = ? WHERE org_key = :org AND sequence = ?', k, k + 1);
    await tamper(org, 'UPDATE audit_events SET sequence = ? WHERE org_key = :org AND sequence = -1', k + 1);
    const result = await verifyOrganization(org);
    expect(result.firstAffectedSequence).toBe(k);
    expect(result.verifiedThrough).toBe(k - 1);
  });

  it('insert: one row, the later ones renumbered to make room', async () => {
    const { org, k, last } = await checkpointed('tamper-insert');
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
    const events = await readWholeStream(org);
    expect(events.map((event) => event.sequence).at(-1)).toBe(last + 1);
    expect(events.find((event) => event.sequence === k)?.id).toBe('forged-event');
    const result = await verifyOrganization(org);
    expect(result.firstAffectedSequence).toBe(k);
  });
});

describe('the next checkpoint refuses to sign over a missing sequence', () => {
  it('POST answers 409 naming the first sequence affected, signs nothing, and the hourly job skips the organization', async () => {
    const org = await createOrg('tamper-post');
    // Signed two minutes ago, so the request is not over the one-a-minute limit.
    await signCheckpoint(org, undefined, Date.now() - 120_000);
    const before = await listCheckpointsApi(org);
    await ingestAll(
      org,
      Array.from({ length: 5 }, (_, index) => makeEvent(index)),
    );
    const gap = (before.at(-1)?.sequence ?? 0) + 3;
    await tamper(org, 'DELETE FROM audit_events WHERE org_key = :org AND sequence = ?', gap);
    const problem = await expectProblem(await call(checkpointsPath(org), { method: 'POST', token: org.ownerKey }), 409);
    expect(problem.type).toBe('urn:problem:audit-logs:chain-broken');
    expect(problem.detail).toContain(`sequence ${gap} is missing`);
    expect(await listCheckpointsApi(org)).toEqual(before);
    const report = await runHourlyJobs(env, Date.now());
    expect(report.chainBroken).toContainEqual({ organizationId: org.orgId, sequence: gap });
    expect(await listCheckpointsApi(org)).toEqual(before);
  });
});

describe('forged checkpoints are refused', () => {
  it('one signed with another Ed25519 key, and a stored one altered in D1', async () => {
    const org = await createOrg('tamper-forged');
    await ingestAll(org, [makeEvent(1)]);
    await signCheckpoint(org);
    const [genuine] = await listCheckpointsApi(org);
    if (!genuine) throw new Error('no checkpoint');
    const key = await checkpointVerificationKey(await publicKeyPem());
    expect((await checkCheckpoints([genuine], key, org.orgId)).problems).toEqual([]);

    const other = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const forgedFields = { ...genuine, chainHash: 'f'.repeat(64) };
    const forged = {
      ...forgedFields,
      signature: bytesToBase64(new Uint8Array(await crypto.subtle.sign('Ed25519', other.privateKey, checkpointSignedBytes(forgedFields)))),
    };
    const refused = await checkCheckpoints([forged], key, org.orgId);
    expect(refused.valid).toEqual([]);
    expect(refused.problems[0]?.sequence).toBe(genuine.sequence);
    expect(refused.problems[0]?.message).toContain('signature does not verify');

    await tamper(org, 'UPDATE audit_checkpoints SET chain_hash = ? WHERE organization_id = ?', '0'.repeat(64), org.orgId);
    const result = await verifyOrganization(org);
    expect(result.checkpointProblems.join()).toContain(`checkpoint at sequence ${genuine.sequence}: the signature does not verify`);
  });
});
