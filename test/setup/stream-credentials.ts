/**
 * The credentials the local stream receivers accept (test/setup/stream-receivers.ts). No imports:
 * the workerd tests import this file too, and it must not pull Node's http into their bundle.
 */
export const HEC_TOKEN = '8a3c9c1e-1b2f-4d5e-9f00-0123456789ab';
export const DATADOG_API_KEY = 'dd-test-api-key-0123456789abcdef';
export const S3_REGION = 'eu-central-1';
export const S3_BUCKET = 'audit-streams';
export const S3_KEY = { accessKeyId: 'AKIASTREAMSTEST00001', secretAccessKey: 'streams-test-secret-0123456789abcdefABCD' };
