/**
 * The tamper acceptance: alter, delete, reorder or insert one event directly in D1, on
 * events a checkpoint already signed; then the next checkpoint (POST and the hourly job), the
 * stream verification and the archive verification each detect it and name the first sequence
 * affected. And a forged checkpoint is refused by each of the three. docs/INTEGRITY.md, "What each
 * check catches".
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { type DirectoryFile, directoryReportLines, verifyDirectory } from '../worker/archive/verify/index.ts';
import { bytesToBase64, type Checkpoint, checkpointSignedBytes } from '../worker/events/checkpoint.ts';
import { runHourlyJobs } from '../worker/jobs/hourly-cron.ts';
import { call, createOrg, expectProblem, type TestOrg } from './helpers/api.ts';
import { ingestAll } from './helpers/archives.ts';
import {
  archiveWeeks,
  checkpointsPath,
  checkpointsText,
  listCheckpointsApi,
  problemText,
  publicKeyPem,
  readWholeStream,
  signCheckpoint,
  TAMPERS,
  tamper,
  verifyOrganization,
} from './helpers/checkpoints.ts';
import { makeEvent } from './helpers/events.ts';

/** Signed two minutes ago, so a POST right after is not over the one-a-minute limit. */
const earlier = () => Date.now() - 120_000;

/**
 * An organization with ten ingested events after its own setup events, checkpointed at `k - 1`
 * and at its end (`last`), its week(s) archived: the stream and the folder verify.
 */
async function checkpointed(label: string): Promise<{ org: TestOrg; k: number; last: number; folder: DirectoryFile[] }> {
  const org = await createOrg(label);
  await ingestAll(
    org,
    Array.from({ length: 10 }, (_, index) => makeEvent(index)),
  );
  const last = (await readWholeStream(org)).at(-1)?.sequence ?? 0;
  const k = last - 5;
  await signCheckpoint(org, k - 1, earlier());
  await signCheckpoint(org, undefined, earlier());
  const clean = await verifyOrganization(org);
  expect(clean.problems).toEqual([]);
  expect(clean.verifiedThrough?.sequence).toBe(last);
  const folder: DirectoryFile[] = [];
  expect(await archiveWeeks(org, folder)).toBeGreaterThan(0);
  const archived = await verifyDirectory({ files: folder, publicKeyPem: await publicKeyPem(), checkpoints: await checkpointsText(org) });
  expect(directoryReportLines(archived).join('\n')).toContain('checkpoints: the chain recomputed from the archives');
  expect(archived.ok).toBe(true);
  return { org, k, last, folder };
}

describe.each(['alter', 'delete', 'reorder', 'insert'] as const)('%s one event that checkpoints already signed', (kind) => {
  it('the next checkpoint refuses, the stream and the archive verification fail; each names the first sequence affected', async () => {
    const { org, k, last, folder } = await checkpointed(`tamper-${kind}`);
    const signed = await checkpointsText(org);
    await TAMPERS[kind](org, k);
    // Something new to sign (with nothing new, POST answers the latest checkpoint and the hourly job skips).
    await ingestAll(org, [makeEvent(99)]);
    // A deleted row is named exactly; a changed, swapped or inserted one only as far as the chain narrows it.
    const exact = kind === 'delete';
    const first = exact ? k + 2 : k;

    // (a) The next checkpoint: the scrub re-walks the signed events and refuses to sign.
    const problem = await expectProblem(await call(checkpointsPath(org), { method: 'POST', token: org.ownerKey }), 409);
    expect(problem.type).toBe('urn:problem:audit-logs:chain-broken');
    expect(problem.detail).toContain(
      exact ? `sequence ${first} is missing` : `an event among sequences ${k}–${last} was altered, reordered, inserted or removed`,
    );
    expect(problem.detail).toContain(
      exact ? `the first sequence affected is ${first}.` : `the first sequence affected is at or after ${k} (one of ${k}–${last})`,
    );
    expect(await checkpointsText(org)).toBe(signed);
    const hourly = await runHourlyJobs(env, Date.now());
    expect(hourly.chainBroken).toContainEqual({ organizationId: org.orgId, sequence: first });
    expect(await checkpointsText(org)).toBe(signed);

    // (b) The stream copy against the checkpoints saved before.
    const stream = await verifyOrganization(org, signed);
    expect(stream.ok).toBe(false);
    expect(stream.firstAffected).toBe(exact ? String(first) : `one of ${k}–${last}`);
    expect(stream.verifiedThrough?.sequence).toBe(k - 1);
    if (exact) expect(problemText(stream)).toContain(`sequence ${first} is missing`);

    // (c) The week archived again after the tamper (its new revision holds the altered rows).
    expect(await archiveWeeks(org, folder)).toBeGreaterThan(0);
    const report = await verifyDirectory({ files: folder, publicKeyPem: await publicKeyPem(), checkpoints: signed });
    const text = directoryReportLines(report).join('\n');
    expect(report.ok).toBe(false);
    if (exact) expect(text).toMatch(new RegExp(`revision 1 .* has 1 sequence that revision 2 lacks: ${first}\\b`));
    else
      expect(text).toContain(
        `the checkpoint at sequence ${last}: chainHash differs from the chain recomputed over sequences ${k}..${last} from the chainHash of the checkpoint at sequence ${k - 1}`,
      );
  });
});

describe('the next checkpoint refuses to sign over a missing sequence among new events', () => {
  it('POST answers 409 naming the first sequence affected, signs nothing, and the hourly job skips the organization', async () => {
    const org = await createOrg('tamper-post');
    await signCheckpoint(org, undefined, earlier());
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

describe('a forged checkpoint is refused by each check', () => {
  async function forgedWith(genuine: Checkpoint): Promise<Checkpoint> {
    const other = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const signature = await crypto.subtle.sign('Ed25519', other.privateKey, checkpointSignedBytes(genuine));
    return { ...genuine, signature: bytesToBase64(new Uint8Array(signature)) };
  }

  it('one signed with another Ed25519 key: the stream and the archive verification refuse it', async () => {
    const { org, last, folder } = await checkpointed('forged-other-key');
    const checkpoints = await listCheckpointsApi(org);
    const genuine = checkpoints.at(-1);
    if (!genuine) throw new Error('no checkpoint');
    // The same statement, chain hash and all: only the key differs, so nothing but the signature can refuse it.
    const forged = JSON.stringify({ checkpoints: [...checkpoints.slice(0, -1), await forgedWith(genuine)] });
    const stream = await verifyOrganization(org, forged);
    expect(stream.ok).toBe(false);
    expect(problemText(stream)).toContain(`checkpoint at sequence ${last} (${genuine.time}): the signature does not verify`);
    expect(stream.verifiedThrough?.sequence).not.toBe(last);
    const archives = await verifyDirectory({ files: folder, publicKeyPem: await publicKeyPem(), checkpoints: forged });
    expect(archives.ok).toBe(false);
    expect(archives.problems.join('\n')).toContain(`checkpoint at sequence ${last} (${genuine.time}): the signature does not verify`);
  });

  it('one replaced in D1 (signed with another key, or its chain hash altered): the next checkpoint refuses to continue from it', async () => {
    const org = await createOrg('forged-stored');
    await ingestAll(org, [makeEvent(1)]);
    const { checkpoint: genuine } = await signCheckpoint(org, undefined, earlier());
    const replaced = await forgedWith({ ...genuine, chainHash: 'f'.repeat(64) });
    await tamper(
      org,
      'UPDATE audit_checkpoints SET chain_hash = ?, signature = ? WHERE organization_id = ? AND sequence = ?',
      replaced.chainHash,
      replaced.signature,
      org.orgId,
      genuine.sequence,
    );
    await ingestAll(org, [makeEvent(2)]);
    const problem = await expectProblem(await call(checkpointsPath(org), { method: 'POST', token: org.ownerKey }), 409);
    expect(problem.detail).toContain(`the stored checkpoint at sequence ${genuine.sequence} does not verify under the archive key`);
    expect(problem.detail).toContain(`the first sequence affected is ${genuine.sequence}.`);
    const stream = await verifyOrganization(org);
    expect(problemText(stream)).toContain(`checkpoint at sequence ${genuine.sequence} (${genuine.time}): the signature does not verify`);

    // Only the chain hash altered (the genuine signature kept): refused the same way.
    await tamper(
      org,
      'UPDATE audit_checkpoints SET chain_hash = ?, signature = ? WHERE organization_id = ?',
      '0'.repeat(64),
      genuine.signature,
      org.orgId,
    );
    await expectProblem(await call(checkpointsPath(org), { method: 'POST', token: org.ownerKey }), 409);
    expect(await listCheckpointsApi(org)).toHaveLength(1);
  });
});
