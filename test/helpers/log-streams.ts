import { env } from 'cloudflare:workers';
import type { LogStream } from '../../worker/contract/log-streams.ts';
import { DATADOG_API_KEY, HEC_TOKEN, S3_BUCKET, S3_KEY, S3_REGION } from '../setup/stream-credentials.ts';
import { call, json, type TestOrg, unique } from './api.ts';

export const streamsPath = (org: Pick<TestOrg, 'orgId'>) => `/api/v1/organizations/${org.orgId}/audit-log-streams`;

// Switched off unless a test switches it on: the configuration tests test what they send by hand
// (the test batch), and a switched-on stream would also deliver the organization's own events.
const common = (name: string) => ({ name, format: 'native', active: false });

/** A valid create body of each type, aimed at the local receivers (test/setup/stream-receivers.ts). */
export const streamBodies = (hook: { url: string; secret: string }, name = unique('stream')) => ({
  https: { ...common(name), type: 'https', url: hook.url, secret: hook.secret, headers: { 'x-tenant': 'acme' } },
  splunk_hec: { ...common(name), type: 'splunk_hec', url: `${env.SPLUNK_HEC_RECEIVER}/services/collector/event`, token: HEC_TOKEN },
  datadog: { ...common(name), type: 'datadog', url: `${env.DATADOG_RECEIVER}/api/v2/logs`, apiKey: DATADOG_API_KEY },
  s3: {
    ...common(name),
    type: 's3',
    endpoint: env.S3_RECEIVER,
    region: S3_REGION,
    bucket: S3_BUCKET,
    prefix: 'streams/test',
    accessKeyId: S3_KEY.accessKeyId,
    secretAccessKey: S3_KEY.secretAccessKey,
  },
});

export async function createStream(org: TestOrg, body: Record<string, unknown>): Promise<LogStream> {
  return (await json<{ stream: LogStream }>(await call(streamsPath(org), { method: 'POST', token: org.ownerKey, body }), 201)).stream;
}
