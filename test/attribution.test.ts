import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { ArchiveList, AuditLogPage, CreatedApiKey } from '../worker/contract/index.ts';
import { database } from '../worker/db/client.ts';
import { startSession } from '../worker/services/access/index.ts';
import { ADMIN, call, createKey, expectProblem, json, type TestOrg, unique } from './helpers/api.ts';
import { archivedWeekOf } from './helpers/archives.ts';

/**
 * "An auditor's export is recorded as the auditor's" (docs/API.md "Attribution"): a person signed
 * in as themselves acts under their own email, and every event names the credential that did it.
 */

/** The auditor, a member of `org` in their own right, signed in with a passkey session. */
async function signedInAuditor(org: TestOrg): Promise<{ email: string; cookie: string; sessionId: string }> {
  const email = `${unique('audra')}@example.com`;
  const member = await json<{ userId: string }>(
    await call(`/api/v1/organizations/${org.orgId}/members`, {
      method: 'POST',
      token: org.ownerKey,
      body: { email, name: 'Audra', role: 'auditor' },
    }),
    201,
  );
  // What the passkey ceremony does once the assertion is verified: a new session for that person.
  const { token, principal } = await startSession(
    database(env.DB),
    { user: { id: member.userId, email, name: 'Audra' }, method: 'passkey', apiKeyId: null, ssoOrganizationId: null },
    null,
    { userAgent: 'attribution test', ip: '203.0.113.9' },
    Date.now(),
  );
  return { email, cookie: `audit_session=${token}`, sessionId: principal.credential.id };
}

async function listed(org: TestOrg, query: string): Promise<AuditLogPage['items']> {
  return (await json<AuditLogPage>(await call(`/api/v1/organizations/${org.orgId}/audit-logs?${query}`, { token: ADMIN }), 200)).items;
}

describe("an auditor's reads are recorded as the auditor's", () => {
  it('export and archive download carry the auditor as actor and their session as credential; credential: finds exactly them', async () => {
    const { org, item } = await archivedWeekOf('attribution', 12);
    const auditor = await signedInAuditor(org);
    expect(auditor.sessionId).toMatch(/^ses_/);

    const exported = await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs?format=ndjson`, { headers: { cookie: auditor.cookie } });
    expect(exported.status).toBe(200);
    const lines = (await exported.text()).trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(12);

    const archives = await json<ArchiveList>(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs-archives`, { headers: { cookie: auditor.cookie } }),
      200,
    );
    const link = new URL(archives.archives[0]?.presignedUrl ?? '');
    expect(link.searchParams.get('credentialType')).toBe('passkey');
    expect(link.searchParams.get('credentialId')).toBe(auditor.sessionId);
    // The link of the owner's listing names the owner's key, not the auditor.
    expect(new URL(item.presignedUrl ?? '').searchParams.get('credentialId')).toBe(org.ownerKeyId);
    const download = await call(link.pathname + link.search);
    expect(download.status).toBe(200);
    await download.arrayBuffer();

    const expected = { actor: { type: 'user', id: auditor.email }, credential: { type: 'passkey', id: auditor.sessionId } };
    const [exportEvent] = await listed(org, 'filters.action=export');
    expect(exportEvent).toMatchObject(expected);
    const [downloadEvent] = await listed(org, 'filters.action=download');
    expect(downloadEvent).toMatchObject(expected);

    // Everything that session did, by the query parameter and by the search grammar alike.
    const theirs = await listed(org, `filters.credentialId=${auditor.sessionId}`);
    expect(theirs.map((event) => event.action).sort()).toEqual(['download', 'export']);
    expect(await listed(org, `filters.q=${encodeURIComponent(`credential:${auditor.sessionId}`)}`)).toEqual(theirs);
    const others = await listed(org, `filters.q=${encodeURIComponent(`-credential:${auditor.sessionId}`)}&filters.limit=1000`);
    expect(others.some((event) => event.credential?.id === auditor.sessionId)).toBe(false);
    expect(others.length).toBeGreaterThan(12);
  });

  it('a key an owner made names that key, so the owner and their key are told apart', async () => {
    const { org } = await archivedWeekOf('attribution-key', 3);
    const auditorKey: CreatedApiKey = await json(
      await call(`/api/v1/organizations/${org.orgId}/api-keys`, {
        method: 'POST',
        token: org.ownerKey,
        body: { name: 'auditor key', role: 'auditor' },
      }),
      201,
    );
    const exported = await call(`/api/v1/organizations/${org.orgId}/csv-audit-logs`, { token: auditorKey.secret });
    expect(exported.status).toBe(200);
    await exported.text();
    const [exportEvent] = await listed(org, 'filters.action=export');
    expect(exportEvent).toMatchObject({
      actor: { type: 'user', id: org.ownerEmail },
      credential: { type: 'api_key', id: auditorKey.id },
    });
    expect((await listed(org, `filters.credentialId=${auditorKey.id}`)).map((event) => event.action)).toEqual(['export']);
  });

  it('refuses an archive link whose credential was altered, and old (v1) links', async () => {
    const { org, item } = await archivedWeekOf('attribution-link', 3);
    const other = await createKey(org, 'auditor');
    const url = new URL(item.presignedUrl ?? '');
    const forged = new URL(url);
    forged.searchParams.set('credentialId', other.id);
    await expectProblem(await call(forged.pathname + forged.search), 403);
    const withoutCredential = new URL(url);
    withoutCredential.searchParams.delete('credentialType');
    withoutCredential.searchParams.delete('credentialId');
    await expectProblem(await call(withoutCredential.pathname + withoutCredential.search), 400);
    expect(await listed(org, 'filters.action=download')).toEqual([]);
  });
});
