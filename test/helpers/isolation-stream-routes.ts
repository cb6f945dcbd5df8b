/**
 * The isolation matrix's log-stream routes (test/isolation-matrix.test.ts): owners only, as
 * webhooks. Each route acts on one stream of the target, created once (a HEC stream: its test batch
 * goes to the local HEC receiver and answers with nothing of the organization).
 */
import { env } from 'cloudflare:workers';
import { HEC_TOKEN } from '../setup/stream-credentials.ts';
import { unique } from './api.ts';
import type { Fixture } from './isolation-callers.ts';
import { denied, org, ownersOnly, type RouteCase } from './isolation-expectations.ts';
import { createStream } from './log-streams.ts';

const hecBody = (name = unique('matrix-stream')) => ({
  name,
  type: 'splunk_hec',
  format: 'native',
  active: true,
  url: `${env.SPLUNK_HEC_RECEIVER}/services/collector/event`,
  token: HEC_TOKEN,
});

const streams = new Map<string, Promise<string>>();
/** The target's stream the routes act on (made on first use, by its owner). */
function streamOf(f: Fixture): Promise<string> {
  let id = streams.get(f.org.orgId);
  if (!id) {
    id = createStream(f.org, hecBody()).then((stream) => stream.id);
    streams.set(f.org.orgId, id);
  }
  return id;
}

const base = (f: Fixture) => `${org(f)}/audit-log-streams`;
const path = '/api/v1/organizations/{orgId}/audit-log-streams';

export const STREAM_ROUTES: Record<string, RouteCase> = {
  [`GET ${path}`]: { expect: ownersOnly, request: async (f) => ({ method: 'GET', path: base(f) }) },
  [`POST ${path}`]: { expect: denied({ owner: 201 }), request: async (f) => ({ method: 'POST', path: base(f), body: hecBody() }) },
  [`GET ${path}/{id}`]: { expect: ownersOnly, request: async (f) => ({ method: 'GET', path: `${base(f)}/${await streamOf(f)}` }) },
  [`PUT ${path}/{id}`]: {
    expect: ownersOnly,
    request: async (f) => {
      const { token: _, ...body } = hecBody(unique('matrix-renamed'));
      return { method: 'PUT', path: `${base(f)}/${await streamOf(f)}`, body };
    },
  },
  [`DELETE ${path}/{id}`]: {
    expect: denied({ owner: 204 }),
    request: async (f) => ({ method: 'DELETE', path: `${base(f)}/${(await createStream(f.org, hecBody())).id}` }),
  },
  [`POST ${path}/{id}/test`]: {
    expect: ownersOnly,
    request: async (f) => ({ method: 'POST', path: `${base(f)}/${await streamOf(f)}/test` }),
  },
  [`GET ${path}/{id}/deliveries`]: {
    expect: ownersOnly,
    request: async (f) => ({ method: 'GET', path: `${base(f)}/${await streamOf(f)}/deliveries` }),
  },
};
