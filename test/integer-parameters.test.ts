import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { signLink } from '../worker/archive/signed-link.ts';
import { call, createInstance, createOrg, expectProblem, type TestOrg } from './helpers/api.ts';
import { createWebhook, hook } from './helpers/webhooks.ts';

/**
 * Every integer the API reads from a URL accepts decimal digits only, one spelling per number:
 * `Number()` read `0x10` as 16, `1e3` as 1000, `` as 0, and signed links stayed valid with
 * `expires=…e0` or revision `01`.
 */
const REFUSED = ['0x10', '1e3', '1.0', '+5', '-5', ' 5', '5 ', '', '01', '00', '5,6', '5_0', 'Infinity', 'NaN', '٥'];

let org: TestOrg;
let instanceId: string;
let webhookId: string;

beforeAll(async () => {
  org = await createOrg('integer-parameters');
  instanceId = (await createInstance(org, 'argocd')).id;
  const receiver = await hook();
  webhookId = (await createWebhook(org, { url: receiver.url, secret: receiver.secret })).id;
});

/** Each integer parameter: the path it is read on, other parameters the request needs, and a value it accepts. */
const PARAMETERS: { name: string; route: string; rest?: string; accepted: string }[] = [
  { name: 'afterSequence', route: '/audit-log-stream', accepted: '16' },
  { name: 'limit', route: '/audit-log-stream', accepted: '10' },
  { name: 'filters.limit', route: '/audit-logs', accepted: '10' },
  { name: 'filters.offset', route: '/audit-logs', accepted: '0' },
  { name: 'filters.limit', route: '/instances/{instanceId}/audit-logs', accepted: '10' },
  { name: 'filters.offset', route: '/instances/{instanceId}/audit-logs', accepted: '10' },
  { name: 'filters.limit', route: '/csv-audit-logs', accepted: '10' },
  { name: 'filters.offset', route: '/csv-audit-logs', accepted: '10' },
  {
    name: 'step',
    route: '/audit-logs-histogram',
    rest: `filters.startTime=${new Date(Date.now() - 86_400_000).toISOString()}&bucket=hour`,
    accepted: '6',
  },
  { name: 'filters.limit', route: '/audit-logs-archives', accepted: '10' },
  { name: 'filters.offset', route: '/audit-logs-archives', accepted: '10' },
  { name: 'limit', route: '/notification-configs/{id}/delivery-history', accepted: '10' },
  { name: 'offset', route: '/notification-configs/{id}/delivery-history', accepted: '10' },
];

/** The route's path for the test organization: management routes live under /orgs, the rest under /organizations. */
const pathOf = (route: string) =>
  `/api/v1/${route.startsWith('/notification-configs') ? 'orgs' : 'organizations'}/${org.orgId}${route.replace('{instanceId}', instanceId).replace('{id}', webhookId)}`;

const url = (parameter: (typeof PARAMETERS)[number], value: string) =>
  `${pathOf(parameter.route)}?${parameter.rest ? `${parameter.rest}&` : ''}${encodeURIComponent(parameter.name)}=${encodeURIComponent(value)}`;

describe('integer parameters', () => {
  it.each(PARAMETERS.map((parameter) => [parameter.name, parameter.route, parameter] as const))(
    '%s on %s: decimal digits only, anything else a 400 naming it',
    async (_name, _path, parameter) => {
      const ok = await call(url(parameter, parameter.accepted), { token: org.ownerKey });
      expect(ok.status, await ok.text()).toBe(200);
      for (const value of REFUSED) {
        const problem = await expectProblem(await call(url(parameter, value), { token: org.ownerKey }), 400);
        expect(problem.type, JSON.stringify(value)).toBe('urn:problem:audit-logs:invalid-parameters');
        expect(
          problem.errors?.map((error) => error.pointer),
          JSON.stringify(value),
        ).toEqual([`query/${parameter.name}`]);
      }
    },
  );

  it('reads the same numbers as before: 0 and the bounds are accepted, past them is a 400', async () => {
    const stream = `/api/v1/organizations/${org.orgId}/audit-log-stream`;
    for (const query of ['afterSequence=0', 'limit=1', 'limit=1000', `afterSequence=${Number.MAX_SAFE_INTEGER}`]) {
      expect((await call(`${stream}?${query}`, { token: org.ownerKey })).status, query).toBe(200);
    }
    for (const query of ['limit=0', 'limit=1001', `afterSequence=${Number.MAX_SAFE_INTEGER + 2}`, `limit=${'9'.repeat(400)}`]) {
      const problem = await expectProblem(await call(`${stream}?${query}`, { token: org.ownerKey }), 400);
      expect(problem.errors?.[0]?.pointer, query).toBe(`query/${query.split('=')[0]}`);
    }
    // The protobuf spelling is the same parameter, with the same rule.
    const snake = await expectProblem(
      await call(`/api/v1/organizations/${org.orgId}/audit-logs?filters.limit=0x10`, { token: org.ownerKey }),
      400,
    );
    expect(snake.errors?.[0]?.pointer).toBe('query/filters.limit');
  });

  it('a signed archive link is read as signed: revision and expires in another spelling are a 400, not the same link', async () => {
    const claims = {
      organizationId: org.orgId,
      startDate: '2026-01-05',
      revision: 1,
      file: 'manifest' as const,
      expires: Math.floor(Date.now() / 1000) + 600,
      actorType: 'api_key' as const,
      actorId: org.ownerKeyId,
      credentialType: 'api_key' as const,
      credentialId: org.ownerKeyId,
    };
    const link = new URL(await signLink('http://localhost:8787', env.LINK_SIGNING_SECRET, claims));
    // The link as signed passes the signature (no such archive: 404); a forged one is a 403.
    expect((await call(link.pathname + link.search)).status).toBe(404);
    const forged = new URL(link);
    forged.searchParams.set('expires', String(claims.expires + 1));
    expect((await call(forged.pathname + forged.search)).status).toBe(403);
    for (const spelling of [
      `${claims.expires}e0`,
      `${claims.expires}.0`,
      `0${claims.expires}`,
      `+${claims.expires}`,
      `0x${claims.expires.toString(16)}`,
    ]) {
      const altered = new URL(link);
      altered.searchParams.set('expires', spelling);
      const problem = await expectProblem(await call(altered.pathname + altered.search), 400);
      expect(
        problem.errors?.map((error) => error.pointer),
        spelling,
      ).toEqual(['query/expires']);
    }
    for (const spelling of ['01', '1.0', '1e0', '0x1', '+1']) {
      const altered = link.pathname.replace(/\/1\/manifest$/, `/${spelling}/manifest`);
      const problem = await expectProblem(await call(altered + link.search), 400);
      expect(
        problem.errors?.map((error) => error.pointer),
        spelling,
      ).toEqual(['param/revision']);
    }
  });
});
