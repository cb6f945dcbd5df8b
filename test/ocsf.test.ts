import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActorType, Credential } from '../worker/auth/principal.ts';
import type { AuditEvent } from '../worker/contract/audit-event.ts';
import { contentHashOf } from '../worker/events/content-hash.ts';
import { storedContentHash, toColumns, toEvent } from '../worker/events/event-shape.ts';
import { type ManagementChange, managementEvent } from '../worker/events/management-event.ts';
import { type OcsfEvent, toOcsf } from '../worker/streams/ocsf.ts';
import { ocsfClasses, ocsfProblems, ocsfSchemaVersion } from './helpers/ocsf-validator.ts';

const NOW = Date.parse('2026-11-24T10:15:30.123Z');
interface Recorder {
  actor: { type: ActorType; id: string };
  credential: Credential | null;
}
const ALICE: Recorder = { actor: { type: 'user', id: 'alice@example.com' }, credential: { type: 'session', id: 'ses_1' } };
const SERVICE_KEY: Recorder = { actor: { type: 'api_key', id: 'key_svc' }, credential: { type: 'api_key', id: 'key_svc' } };
const ADMIN: Recorder = { actor: { type: 'system', id: 'platform-admin' }, credential: { type: 'admin_token', id: 'admin' } };

/** A platform event exactly as the service records and serves it: managementEvent → row → API shape. */
function platformEvent(principal: Recorder, change: ManagementChange, ip: string | null = '203.0.113.7', sequence = 7): AuditEvent {
  const event = managementEvent({ principal, ip, now: NOW }, change);
  return toEvent('org_1', {
    ...toColumns(event),
    source: 'platform',
    sourceKeyId: null,
    credentialType: principal.credential?.type ?? null,
    credentialId: principal.credential?.id ?? null,
    sequence,
  });
}

/** The events the service records itself (worker/services/…), with the class and activity each must map to. */
const PLATFORM: [string, AuditEvent, number, number][] = [
  [
    'member added',
    platformEvent(ALICE, {
      action: 'create',
      objectType: 'member',
      objectName: 'bob@example.com',
      message: 'Added bob@example.com as admin',
      extra: { role: 'admin' },
    }),
    3001,
    1,
  ],
  [
    'member role changed',
    platformEvent(ALICE, {
      action: 'update',
      objectType: 'member',
      objectName: 'bob@example.com',
      message: 'Changed',
      extra: { role: { from: 'member', to: 'admin' } },
    }),
    3001,
    99,
  ],
  [
    'member removed',
    platformEvent(
      ADMIN,
      { action: 'delete', objectType: 'member', objectName: 'bob@example.com', message: 'Removed', extra: { role: 'admin' } },
      null,
    ),
    3001,
    6,
  ],
  [
    'API key created',
    platformEvent(ALICE, {
      action: 'create',
      objectType: 'api_key',
      objectName: 'ci',
      message: 'Created ingest service API key ak_12…',
      extra: { keyId: 'key_9', role: 'ingest', kind: 'service' },
    }),
    3001,
    1,
  ],
  [
    'API key revoked',
    platformEvent(
      SERVICE_KEY,
      { action: 'delete', objectType: 'api_key', objectName: 'ci', message: 'Revoked', extra: { keyId: 'key_9' } },
      '2001:db8::1',
    ),
    3001,
    6,
  ],
  [
    'signed in',
    platformEvent(ALICE, {
      action: 'sign_in',
      objectType: 'session',
      objectName: 'ses_1',
      message: 'Signed in with SSO',
      extra: { method: 'sso' },
    }),
    3002,
    1,
  ],
  ['signed out', platformEvent(ALICE, { action: 'sign_out', objectType: 'session', objectName: 'ses_1', message: 'Signed out' }), 3002, 2],
  [
    'sign-in failed',
    platformEvent(
      { ...ALICE, credential: null },
      {
        action: 'sign_in_failed',
        objectType: 'session',
        objectName: 'alice@example.com',
        message: 'Sign-in with a passkey failed: unknown',
        extra: { method: 'passkey', reason: 'unknown' },
      },
    ),
    3002,
    1,
  ],
  [
    'export',
    platformEvent(ALICE, { action: 'export', objectType: 'audit_log_archive', objectName: 'export', message: 'Exported 10 events as CSV' }),
    6003,
    2,
  ],
  [
    'archive download',
    platformEvent(ALICE, { action: 'download', objectType: 'audit_log_archive', objectName: '2026-W47', message: 'Downloaded' }),
    6003,
    2,
  ],
  [
    'webhook redelivered',
    platformEvent(ALICE, { action: 'redeliver', objectType: 'notification_config', objectName: 'siem', message: 'Redelivered 3' }),
    6003,
    99,
  ],
  [
    'invitation accepted',
    platformEvent(ALICE, { action: 'accept', objectType: 'invitation', objectName: 'alice@example.com', message: 'Accepted' }),
    6003,
    3,
  ],
  [
    'organization created',
    platformEvent(ADMIN, { action: 'create', objectType: 'organization', objectName: 'Acme', message: 'Created' }),
    6003,
    1,
  ],
  [
    'SSO configuration deleted',
    platformEvent(ALICE, { action: 'delete', objectType: 'sso_configuration', objectName: 'okta', message: '' }),
    6003,
    4,
  ],
];

/** An ingested Argo CD sync, as docs/API.md shows it. */
const SYNC_CONTENT = {
  id: '01JDX6Q8Z3V4K2M9R7T5W1Y0AB',
  organizationId: 'org_1',
  instanceId: 'inst_1',
  timestamp: '2026-11-24T10:15:30.123Z',
  action: 'SYNC',
  actor: { type: 'user', id: 'alice@example.com', ip: '203.0.113.7' },
  object: {
    type: 'argocd_application',
    id: { name: 'guestbook', kind: 'Application', group: 'argoproj.io', namespace: 'argocd' },
    parentId: { name: 'prod', parentName: '', applicationName: '' },
  },
  details: { message: 'Synced to 4f2a1c9', patch: '', actionType: 'sync', revision: '4f2a1c9' },
  count: 1,
  lastOccurredTimestamp: '2026-11-24T10:15:30.123Z',
  source: 'ingest' as const,
  sourceKeyId: 'key_1',
  credential: { type: 'api_key' as const, id: 'key_1' },
  sequence: 4711,
};
const SYNC: AuditEvent = { ...SYNC_CONTENT, contentHash: contentHashOf(SYNC_CONTENT) };

// Every kind of text a field can hold: control characters, NUL, lone surrogates, U+2028, astral characters.
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', '\u0000', '\ud800', '\udc00x', '\u2028', '😀', '__proto__', 'constructor', 'x'.repeat(10_000)),
);
const hostileContent = fc.record({
  id: text,
  organizationId: text,
  instanceId: fc.option(text, { nil: null }),
  timestamp: fc.oneof(
    fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
    text,
  ),
  action: fc.oneof(
    text,
    fc.constantFrom('create', 'Update', 'DELETE', 'sync', 'export', 'sign_in', 'sign_out', 'sign_in_failed', 'hasOwnProperty'),
  ),
  actor: fc.record({
    type: fc.oneof(text, fc.constantFrom('user', 'api_key', 'system', 'toString')),
    id: text,
    ip: fc.oneof(text, fc.ipV4(), fc.ipV6(), fc.constant('ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255')),
  }),
  object: fc.record({
    type: fc.oneof(text, fc.constantFrom('member', 'api_key', 'session', 'argocd_application')),
    id: fc.record({ name: text, kind: text, group: text, namespace: text }, { requiredKeys: ['name', 'kind', 'group'] }),
    parentId: fc.record(
      { name: text, parentName: text, applicationName: text, kargoProjectName: text },
      { requiredKeys: ['name', 'parentName', 'applicationName'] },
    ),
  }),
  details: fc
    .tuple(
      fc.record({ message: text, patch: text, actionType: text }),
      fc.dictionary(fc.oneof(text, fc.constantFrom('keyId', 'method', 'reason', '__proto__')), fc.jsonValue({ maxDepth: 3 }), {
        maxKeys: 4,
      }),
    )
    // Stored details are read back from JSON text, so they never hold what JSON cannot say (-0).
    .map(([known, extra]) => ({ ...(JSON.parse(JSON.stringify(extra)) as Record<string, unknown>), ...known })),
  count: fc.constant(1),
  lastOccurredTimestamp: text,
  source: fc.constantFrom('ingest' as const, 'platform' as const),
  sourceKeyId: fc.option(text, { nil: null }),
  credential: fc.option(fc.record({ type: fc.constantFrom('api_key', 'session', 'sso', 'passkey', 'access', 'admin_token'), id: text }), {
    nil: null,
  }),
  sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
});
const hostileEvent: fc.Arbitrary<AuditEvent> = hostileContent.map((content) => ({ ...content, contentHash: storedContentHash(content) }));

describe('the OCSF extract the tests check against', () => {
  it('is the released schema, with the three classes and their required attributes', () => {
    expect(ocsfSchemaVersion).toBe('1.8.0');
    const required = Object.fromEntries(
      ocsfClasses.map((spec) => [spec.class_uid, Object.keys(spec.attributes).filter((name) => spec.attributes[name]?.required)]),
    );
    const base = ['activity_id', 'category_uid', 'class_uid', 'metadata', 'severity_id', 'time', 'type_uid'];
    expect(required[6003]).toEqual(expect.arrayContaining([...base, 'actor', 'api', 'src_endpoint']));
    expect(required[3001]).toEqual(expect.arrayContaining([...base, 'user']));
    expect(required[3002]).toEqual(expect.arrayContaining([...base, 'user']));
  });
});

describe('toOcsf', () => {
  it.each(PLATFORM)('maps a platform event (%s) to its class and activity, valid against the schema', (_, event, classUid, activityId) => {
    const ocsf = toOcsf(event);
    expect(ocsfProblems(ocsf)).toEqual([]);
    expect([ocsf.class_uid, ocsf.activity_id, ocsf.type_uid]).toEqual([classUid, activityId, classUid * 100 + activityId]);
    expect(ocsf.metadata).toMatchObject({
      version: ocsfSchemaVersion,
      uid: event.id,
      tenant_uid: 'org_1',
      sequence: 7,
      log_name: 'platform',
    });
    expect(ocsf.time).toBe(NOW);
  });

  it('says who changed what in an account change, and which key', () => {
    const [, added] = PLATFORM[0] ?? [];
    const [, revoked] = PLATFORM[4] ?? [];
    const member = toOcsf(added as AuditEvent) as Extract<OcsfEvent, { class_uid: 3001 }>;
    expect(member.user).toEqual({
      uid: 'bob@example.com',
      name: 'bob@example.com',
      email_addr: 'bob@example.com',
      type_id: 1,
      type: 'User',
    });
    expect(member.actor).toEqual({
      user: { uid: 'alice@example.com', name: 'alice@example.com', email_addr: 'alice@example.com', type_id: 1, type: 'User' },
      session: { uid: 'ses_1' },
    });
    const key = toOcsf(revoked as AuditEvent) as Extract<OcsfEvent, { class_uid: 3001 }>;
    expect(key.user).toMatchObject({ uid: 'key_9', name: 'ci', credential_uid: 'key_9', type_id: 4 });
    expect(key.actor.user).toMatchObject({ uid: 'key_svc', credential_uid: 'key_svc', type: 'Service' });
    expect(key.src_endpoint).toEqual({ ip: '2001:db8::1' });
    expect(key.activity_name).toBe('Delete');
  });

  it('makes sign-ins Authentication: success or failure with its reason, the protocol, the session', () => {
    const [signIn, signOut, failed] = [5, 6, 7].map(
      (index) => toOcsf(PLATFORM[index]?.[1] as AuditEvent) as Extract<OcsfEvent, { class_uid: 3002 }>,
    );
    expect(signIn).toMatchObject({
      status_id: 1,
      status: 'Success',
      severity_id: 1,
      auth_protocol_id: 4,
      session: { uid: 'ses_1' },
      service: { name: 'audit-logs' },
    });
    expect(signOut).toMatchObject({ activity_name: 'Logoff', status_id: 1 });
    expect(signOut?.auth_protocol_id).toBeUndefined();
    expect(failed).toMatchObject({ status_id: 2, status: 'Failure', severity_id: 2, status_detail: 'unknown', auth_protocol: 'WebAuthn' });
    expect(failed?.session).toBeUndefined();
    expect(failed?.actor.session).toBeUndefined();
  });

  it('maps an ingested sync to an API Activity update of the resource, keeping what OCSF has no place for', () => {
    const ocsf = toOcsf(SYNC) as Extract<OcsfEvent, { class_uid: 6003 }>;
    expect(ocsfProblems(ocsf)).toEqual([]);
    expect(ocsf).toMatchObject({ activity_id: 3, activity_name: 'Update', api: { operation: 'SYNC' }, message: 'Synced to 4f2a1c9' });
    expect(ocsf.resources).toEqual([
      {
        type: 'argocd_application',
        name: 'guestbook',
        namespace: 'argocd',
        data: { kind: 'Application', group: 'argoproj.io', parentId: { name: 'prod' } },
      },
    ]);
    expect(ocsf.actor.user.credential_uid).toBe('key_1');
    expect(ocsf.unmapped).toEqual({
      source: 'ingest',
      instanceId: 'inst_1',
      sourceKeyId: 'key_1',
      credential: { type: 'api_key', id: 'key_1' },
      details: { patch: '', actionType: 'sync', revision: '4f2a1c9' },
      contentHash: SYNC.contentHash,
    });
    expect(ocsf.unmapped.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names an action no activity fits as Other, in its own words; without an address the endpoint says unknown', () => {
    const ocsf = toOcsf({ ...SYNC, action: 'hibernate', actor: { ...SYNC.actor, ip: '' } });
    expect(ocsf).toMatchObject({ activity_id: 99, activity_name: 'hibernate', type_uid: 600399, src_endpoint: { name: 'unknown' } });
    expect(ocsfProblems(ocsf)).toEqual([]);
  });

  it('is valid against the schema for any event, hostile text included, and serialises to JSON that reads back the same', () => {
    fc.assert(
      fc.property(hostileEvent, (event) => {
        const ocsf = toOcsf(event);
        expect(ocsfProblems(ocsf)).toEqual([]);
        expect([6003, 3001, 3002]).toContain(ocsf.class_uid);
        expect(ocsf.metadata.uid).toBe(event.id);
        expect(ocsf.metadata.sequence).toBe(event.sequence);
        expect(ocsf.unmapped.contentHash).toBe(event.contentHash);
        expect(JSON.parse(JSON.stringify(ocsf))).toEqual(ocsf);
      }),
      { numRuns: 1500 },
    );
  });

  it('keeps details nested deep, NUL and lone surrogates as data, and "__proto__" as a key', () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 1000; level += 1) deep = { level: deep };
    const details = JSON.parse(
      '{"message":"\\u0000\\ud800","patch":"","actionType":"","__proto__":{"polluted":true}}',
    ) as AuditEvent['details'];
    const ocsf = toOcsf({ ...SYNC, details: { ...details, deep } });
    const line = JSON.stringify(ocsf);
    expect(line).toContain('"__proto__":{"polluted":true}');
    expect(line).toContain('"message":"\\u0000\\ud800"');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(ocsfProblems(ocsf)).toEqual([]);
  });
});

describe('the schema check itself', () => {
  // Without these, an ocsfProblems that finds nothing would pass every test above.
  it.each(ocsfClasses.map((spec) => [spec.name, spec] as const))('fails %s when any required attribute is missing', (_, spec) => {
    const event = PLATFORM.map(([, e]) => toOcsf(e)).find((ocsf) => ocsf.class_uid === spec.class_uid) as unknown as Record<
      string,
      unknown
    >;
    const required = Object.keys(spec.attributes).filter((name) => spec.attributes[name]?.required);
    for (const name of required) {
      const { [name]: _, ...without } = event;
      // Without its class_uid, an event is of no class at all.
      const expected =
        name === 'class_uid' ? 'class_uid undefined is not one of the extracted classes' : `${spec.name}.${name}: required, missing`;
      expect(ocsfProblems(without)).toContain(expected);
    }
  });

  it('fails a wrong type, an unknown attribute, a value outside its enum, an unmet at_least_one and bad arithmetic', () => {
    const ocsf = toOcsf(SYNC) as unknown as Record<string, unknown>;
    expect(ocsfProblems({ ...ocsf, time: '2026-11-24' })).toContain('api_activity.time: 2026-11-24 is not an integer');
    expect(ocsfProblems({ ...ocsf, src_endpoints: {} })).toContain('api_activity.src_endpoints: not an attribute of the schema here');
    expect(ocsfProblems({ ...ocsf, severity_id: 7 })).toContain('api_activity.severity_id: 7 is not in the enum of severity_id');
    expect(ocsfProblems({ ...ocsf, src_endpoint: { port: 443 } })).toContain(
      'api_activity.src_endpoint: needs at least one of ip, uid, name, hostname, svc_name, instance_uid, interface_uid, interface_name, domain',
    );
    expect(ocsfProblems({ ...ocsf, type_uid: 3 })).toContain('type_uid: 3, expected 600303');
    expect(ocsfProblems({ ...ocsf, src_endpoint: { ip: 'f'.repeat(41) } })).toContain(
      'api_activity.src_endpoint.ip: longer than 40 (ip_t)',
    );
  });
});
