import type { TestProject } from 'vitest/node';
import { startDatadogReceiver } from '../../scripts/lib/datadog-receiver.ts';
import { startLocalS3 } from '../../scripts/lib/s3-gate.ts';
import { startSplunkHecReceiver } from '../../scripts/lib/splunk-hec-receiver.ts';
import { DATADOG_API_KEY, HEC_TOKEN, S3_BUCKET, S3_KEY, S3_REGION } from './stream-credentials.ts';

/**
 * The log-stream destinations as real local servers in the Node process running Vitest: a Splunk
 * HEC, a Datadog intake and s3rver behind a Signature V4 gate. Tests in workerd send to them over
 * loopback and read what they accepted at `<base>/_control/log`.
 */
export default async function setup(project: TestProject) {
  const [hec, datadog, s3] = await Promise.all([
    startSplunkHecReceiver({ token: HEC_TOKEN }),
    startDatadogReceiver({ apiKey: DATADOG_API_KEY }),
    startLocalS3({ credentials: [S3_KEY], buckets: [S3_BUCKET], region: S3_REGION }),
  ]);
  project.provide('splunkHecUrl', hec.baseUrl);
  project.provide('datadogIntakeUrl', datadog.baseUrl);
  project.provide('s3Endpoint', s3.baseUrl);
  return async () => {
    await Promise.all([hec.stop(), datadog.stop(), s3.stop()]);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    splunkHecUrl: string;
    datadogIntakeUrl: string;
    s3Endpoint: string;
  }
}
