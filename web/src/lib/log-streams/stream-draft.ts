// A log stream as the form edits it (every field a string or a flag), the API body built from
// it, and the API's refusals in words: pure, so it is unit-tested under Node (test/web).

import type { FieldProblem } from '../shell/api.ts';
import type { LogStream, StreamType, WebhookFilter } from '../shell/api-types.ts';
import { fieldMessage as sharedFieldMessage } from '../shell/field-errors.ts';

export type StreamFormat = LogStream['format'];

/** What the form sends: the common fields and the type's own (docs/STREAMS.md). */
export interface LogStreamInput {
  name: string;
  type: StreamType;
  format: StreamFormat;
  active: boolean;
  filter: WebhookFilter;
  [field: string]: unknown;
}

export const STREAM_TYPES: readonly StreamType[] = ['https', 'splunk_hec', 'datadog', 's3'];

export const TYPE_LABELS: Record<StreamType, string> = {
  https: 'HTTPS endpoint',
  splunk_hec: 'Splunk HEC',
  datadog: 'Datadog',
  s3: 'S3-compatible bucket',
};

export const FORMAT_LABELS: Record<StreamFormat, string> = { native: 'Native', ocsf: 'OCSF' };

/** Which body field holds each type's one secret, and its name on screen. */
export const SECRET_FIELD: Record<StreamType, string> = { https: 'secret', splunk_hec: 'token', datadog: 'apiKey', s3: 'secretAccessKey' };

const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  type: 'Destination',
  format: 'Format',
  active: 'Active',
  filter: 'Instances',
  url: 'URL',
  secret: 'Signing secret',
  token: 'HEC token',
  apiKey: 'API key',
  headers: 'Extra headers',
  site: 'Datadog site',
  endpoint: 'Endpoint',
  region: 'Region',
  bucket: 'Bucket',
  prefix: 'Prefix',
  accessKeyId: 'Access key ID',
  secretAccessKey: 'Secret access key',
  exportArchives: 'Export archives',
};

export const fieldLabel = (field: string): string => FIELD_LABELS[field] ?? field;

export interface StreamDraft {
  name: string;
  type: StreamType;
  format: StreamFormat;
  active: boolean;
  url: string;
  /** The type's secret; empty on an edit keeps the stored one. */
  secret: string;
  /** Extra headers of an https stream, one `Name: value` a line. */
  headers: string;
  datadogTarget: 'site' | 'url';
  site: string;
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  exportArchives: boolean;
  events: WebhookFilter['events'];
  argocdOnly: boolean;
  argocdNames: string[];
  kargoOnly: boolean;
  kargoNames: string[];
}

export function newDraft(): StreamDraft {
  return {
    name: '',
    type: 'https',
    format: 'native',
    active: true,
    url: '',
    secret: '',
    headers: '',
    datadogTarget: 'site',
    site: 'datadoghq.com',
    endpoint: '',
    region: 'auto',
    bucket: '',
    prefix: 'audit-logs',
    accessKeyId: '',
    exportArchives: false,
    events: ['audit'],
    argocdOnly: false,
    argocdNames: [],
    kargoOnly: false,
    kargoNames: [],
  };
}

/** The form's copy of a stored stream (its secret is never returned, so it starts empty). */
export function draftFromStream(stream: LogStream): StreamDraft {
  const text = (key: string) => {
    const value = stream.settings[key];
    return typeof value === 'string' ? value : '';
  };
  const headers = stream.settings.headers;
  const lines = headers && typeof headers === 'object' ? Object.entries(headers).map(([name, value]) => `${name}: ${String(value)}`) : [];
  return {
    ...newDraft(),
    name: stream.name,
    type: stream.type,
    format: stream.format,
    active: stream.active,
    url: text('url'),
    headers: lines.join('\n'),
    datadogTarget: stream.type === 'datadog' && text('url') !== '' ? 'url' : 'site',
    site: text('site') || 'datadoghq.com',
    endpoint: text('endpoint'),
    region: text('region'),
    bucket: text('bucket'),
    prefix: text('prefix'),
    accessKeyId: text('accessKeyId'),
    exportArchives: stream.settings.exportArchives === true,
    events: [...stream.filter.events],
    argocdOnly: stream.filter.filterArgocdInstanceNames,
    argocdNames: [...stream.filter.argocdInstanceNames],
    kargoOnly: stream.filter.filterKargoInstanceNames,
    kargoNames: [...stream.filter.kargoInstanceNames],
  };
}

type HeadersParse = { ok: true; headers: Record<string, string> } | { ok: false; reason: string };

/** `Name: value` lines (blank lines skipped) as an object; the Worker checks names and values. */
export function parseHeaderLines(text: string): HeadersParse {
  const headers: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, reason: `Line ${index + 1}: write each header as Name: value.` };
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return { ok: true, headers };
}

export type BodyResult = { ok: true; body: LogStreamInput } | { ok: false; errors: Record<string, string> };

/** The API body of a draft: the common fields, then only the chosen type's fields. */
export function streamBody(draft: StreamDraft): BodyResult {
  const input: LogStreamInput = {
    name: draft.name.trim(),
    type: draft.type,
    format: draft.format,
    active: draft.active,
    filter: {
      events: draft.events,
      filterArgocdInstanceNames: draft.argocdOnly,
      argocdInstanceNames: draft.argocdOnly ? draft.argocdNames : [],
      filterKargoInstanceNames: draft.kargoOnly,
      kargoInstanceNames: draft.kargoOnly ? draft.kargoNames : [],
    },
  };
  if (draft.secret !== '') input[SECRET_FIELD[draft.type]] = draft.secret;
  switch (draft.type) {
    case 'https': {
      const headers = parseHeaderLines(draft.headers);
      if (!headers.ok) return { ok: false, errors: { headers: headers.reason } };
      input.url = draft.url.trim();
      if (Object.keys(headers.headers).length > 0) input.headers = headers.headers;
      break;
    }
    case 'splunk_hec':
      input.url = draft.url.trim();
      break;
    case 'datadog':
      if (draft.datadogTarget === 'url') input.url = draft.url.trim();
      else input.site = draft.site.trim();
      break;
    case 's3':
      Object.assign(input, {
        endpoint: draft.endpoint.trim(),
        region: draft.region.trim(),
        bucket: draft.bucket.trim(),
        prefix: draft.prefix.trim(),
        accessKeyId: draft.accessKeyId.trim(),
        exportArchives: draft.exportArchives,
      });
      break;
  }
  return { ok: true, body: input };
}

/** What each field allows, for the schema's own (zod) messages, which are not written for people. */
const FIELD_RULES: Record<string, string> = {
  name: 'Give the stream a name of 1 to 200 characters.',
  url: 'Enter a URL of up to 2,048 characters.',
  endpoint: 'Enter the endpoint URL (up to 2,048 characters).',
  secret: 'The signing secret must be 16 to 256 characters long.',
  token: 'Enter the HEC token (up to 256 characters).',
  apiKey: 'Enter the Datadog API key (up to 256 characters).',
  secretAccessKey: 'Enter the secret access key (up to 256 characters).',
  accessKeyId: 'Enter the access key ID (up to 128 characters).',
  site: 'Enter a Datadog site such as datadoghq.com.',
  prefix: 'The prefix can be at most 1,024 characters.',
  region: 'Enter a region name such as eu-west-1 or auto.',
  bucket: 'Enter a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens.',
  filter: 'Check the chosen instance names.',
};

/** Messages the schema library writes by itself ("Too small: expected string to have >=16 characters"). */
const GENERIC = /^(too (small|big)|invalid|expected|required)\b/i;

const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** The form field a problem pointer belongs to: "filter/argocdInstanceNames/0" → "filter". */
const fieldOf = (pointer: string): string => pointer.split('/')[0] ?? '';

/**
 * One field problem of a 422 in words: the Worker's own sentences ("The URL must use https://.")
 * are kept, its predicates get the field's name ("must be an S3 bucket name …" → "Bucket must be
 * …"), and the schema library's generic messages become what the field allows.
 */
export function fieldMessage(pointer: string, detail: string): string {
  const field = fieldOf(pointer);
  const label = fieldLabel(field);
  const text = detail.trim();
  if (text === '' || GENERIC.test(text)) return FIELD_RULES[field] ?? `${label} is not valid.`;
  if (/^[A-Z]/.test(text)) return sentence(text);
  if (/^(must|is|has|cannot|should|needs)\b/.test(text)) return sentence(`${label} ${text}`);
  return sentence(`${label}: ${text}`);
}

/** A 422's problems by form field, the first one of each field. */
export function fieldMessages(errors: readonly FieldProblem[] | undefined): Record<string, string> {
  const messages: Record<string, string> = {};
  for (const error of errors ?? []) {
    const field = fieldOf(error.pointer);
    // A problem the schema found (it has a code) is said as what the field allows (lib/shell/field-errors.ts).
    const rule = FIELD_RULES[field];
    const words = { label: fieldLabel(field), ...(rule === undefined ? {} : { rule, required: rule }) };
    messages[field] ??= error.code ? sharedFieldMessage(error, words) : fieldMessage(error.pointer, error.detail);
  }
  return messages;
}

/** The form-level sentence for a refusal that names no field (409s and the like). */
export function formMessage(problem: { type: string; detail: string; status: number }, name: string): string {
  const code = problem.type.slice(problem.type.lastIndexOf(':') + 1);
  if (code === 'log-stream-exists') return `Another log stream is already named "${name}". Choose a different name.`;
  if (code === 'log-stream-limit') return `${sentence(problem.detail)} Delete a stream you no longer need to add another.`;
  if (problem.status === 403) return 'Only owners of this organization can change its log streams.';
  return problem.detail;
}
