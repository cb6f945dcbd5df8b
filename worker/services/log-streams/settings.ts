/**
 * A stream body split into what is stored in the clear (settings_json) and its one secret, with
 * every rule the schema cannot say checked here: URLs through the webhook SSRF rule, extra headers,
 * Datadog sites and S3 prefixes (docs/STREAMS.md).
 */
import type { CreateLogStreamBody, StreamType, UpdateLogStreamBody } from '../../contract/log-streams.ts';
import { invalidField } from '../../errors.ts';
import { datadogIntakeUrl } from '../../streams/destinations/datadog.ts';
import { checkExtraHeaders } from '../../streams/destinations/extra-headers.ts';
import { checkS3Prefix } from '../../streams/destinations/s3-key.ts';
import { checkWebhookUrl } from '../../webhooks/url-policy.ts';

/** Which field of each type is its secret. */
export const SECRET_FIELD: Record<StreamType, string> = { https: 'secret', splunk_hec: 'token', datadog: 'apiKey', s3: 'secretAccessKey' };

/** The non-secret type fields, as stored and returned. */
export type StreamSettings = Record<string, string | boolean | Record<string, string>>;

const COMMON = new Set(['name', 'type', 'format', 'filter', 'active']);

function checkedUrl(pointer: string, raw: string, allowInsecure: boolean): string {
  const verdict = checkWebhookUrl(raw, { allowInsecure });
  if (!verdict.ok) throw invalidField(pointer, `The URL ${verdict.reason}.`);
  return verdict.url;
}

/** The stored settings of a body (URLs normalized, prefix trimmed) and its secret if sent. */
export function splitBody(
  body: CreateLogStreamBody | UpdateLogStreamBody,
  allowInsecure: boolean,
): { settings: StreamSettings; secret: string | undefined } {
  const settings: StreamSettings = {};
  let secret: string | undefined;
  for (const [key, value] of Object.entries(body)) {
    if (COMMON.has(key) || value === undefined) continue;
    if (key === SECRET_FIELD[body.type]) secret = value as string;
    else settings[key] = value as StreamSettings[string];
  }
  switch (body.type) {
    case 'https': {
      settings.url = checkedUrl('url', body.url, allowInsecure);
      const headers = checkExtraHeaders(body.headers);
      if (!headers.ok) throw invalidField('headers', headers.reason);
      if (body.headers !== undefined) settings.headers = headers.headers;
      break;
    }
    case 'splunk_hec':
      settings.url = checkedUrl('url', body.url, allowInsecure);
      break;
    case 'datadog':
      if (body.url !== undefined) settings.url = checkedUrl('url', body.url, allowInsecure);
      else if (body.site === undefined) throw invalidField('site', 'Give a Datadog site or an intake url.');
      else {
        try {
          datadogIntakeUrl({ site: body.site });
        } catch {
          throw invalidField('site', 'is not a Datadog site (datadoghq.com, us3.datadoghq.com, datadoghq.eu, …).');
        }
      }
      break;
    case 's3': {
      settings.endpoint = checkedUrl('endpoint', body.endpoint, allowInsecure).replace(/\/+$/, '');
      const prefix = checkS3Prefix(body.prefix);
      if (!prefix.ok) throw invalidField('prefix', prefix.reason);
      settings.prefix = prefix.prefix;
      break;
    }
  }
  return { settings, secret };
}

/** Where a stream sends, for its audit events: only the origin (a URL path may carry a token). */
export function destinationOrigin(type: StreamType, settings: StreamSettings): string {
  const url = type === 's3' ? settings.endpoint : settings.url;
  if (typeof url === 'string') return new URL(url).origin;
  return `datadog ${String(settings.site)}`;
}
