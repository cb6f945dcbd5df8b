/**
 * The Log streams page's pure helpers (web/src/lib/log-streams): the form's draft ↔ API body, and
 * the API's refusals in words. The field problems are the real ones: the contract's own schema
 * (worker/contract/log-streams.ts) parses each bad body and zodFieldErrors names the fields, as the
 * Worker's validation hook does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  draftFromStream,
  fieldMessage,
  fieldMessages,
  formMessage,
  newDraft,
  parseHeaderLines,
  streamBody,
} from '../../web/src/lib/log-streams/stream-draft.ts';
import { answerText, failingText, lagText, sequencesText } from '../../web/src/lib/log-streams/stream-state.ts';
import { CreateLogStreamSchema, type LogStream, UpdateLogStreamSchema } from '../../worker/contract/log-streams.ts';
import { zodFieldErrors } from '../../worker/contract/problem.ts';

const filter = {
  events: ['audit' as const],
  filterArgocdInstanceNames: false,
  argocdInstanceNames: [],
  filterKargoInstanceNames: true,
  kargoInstanceNames: ['prod'],
};

function stored(overrides: Partial<LogStream>): LogStream {
  return {
    id: 'lst_1',
    name: 'Bucket',
    type: 's3',
    format: 'ocsf',
    filter,
    active: true,
    settings: {
      endpoint: 'https://s3.example.com',
      region: 'eu-west-1',
      bucket: 'audit',
      prefix: 'logs',
      accessKeyId: 'AKIA1',
      exportArchives: true,
    },
    hasSecret: true,
    state: 'active',
    failingSince: null,
    deliveredThroughSequence: 0,
    lagEvents: 0,
    createTime: '2026-12-01T00:00:00.000Z',
    updateTime: '2026-12-01T00:00:00.000Z',
    ...overrides,
  };
}

/** The field problems the Worker answers for `body` (its 422's `errors`). */
function refusals(body: unknown, schema = CreateLogStreamSchema) {
  const parsed = schema.safeParse(body);
  assert.equal(parsed.success, false, 'the contract refuses the body');
  return parsed.success ? [] : zodFieldErrors(parsed.error);
}

describe('log stream form: draft and body', () => {
  it('a new https draft becomes a body the contract accepts, with only https fields', () => {
    const built = streamBody({
      ...newDraft(),
      name: ' SIEM ',
      url: ' https://siem.example.com/in ',
      secret: 's'.repeat(16),
      headers: 'X-Team: security\n\n X-Env : prod ',
    });
    assert.ok(built.ok);
    assert.deepEqual(Object.keys(built.body).sort(), ['active', 'filter', 'format', 'headers', 'name', 'secret', 'type', 'url']);
    assert.equal(built.body.name, 'SIEM');
    assert.deepEqual(built.body.headers, { 'X-Team': 'security', 'X-Env': 'prod' });
    assert.equal(CreateLogStreamSchema.safeParse(built.body).success, true);
  });

  it('an edit round-trips every stored setting and leaves the secret out (the stored one stays)', () => {
    const draft = draftFromStream(stored({}));
    assert.equal(draft.secret, '');
    const built = streamBody(draft);
    assert.ok(built.ok);
    assert.equal('secretAccessKey' in built.body, false);
    assert.deepEqual(
      { ...built.body },
      {
        name: 'Bucket',
        type: 's3',
        format: 'ocsf',
        active: true,
        filter,
        endpoint: 'https://s3.example.com',
        region: 'eu-west-1',
        bucket: 'audit',
        prefix: 'logs',
        accessKeyId: 'AKIA1',
        exportArchives: true,
      },
    );
    assert.equal(UpdateLogStreamSchema.safeParse(built.body).success, true);
    assert.equal(CreateLogStreamSchema.safeParse(built.body).success, false, 'a create needs the secret');
  });

  it('datadog sends the site or the url, never both; a stored url selects the url', () => {
    const site = streamBody({ ...newDraft(), type: 'datadog', name: 'DD', url: 'https://proxy.example.com', apiKey: 'k' } as never);
    assert.ok(site.ok);
    assert.equal(site.body.site, 'datadoghq.com');
    assert.equal('url' in site.body, false);
    const draft = draftFromStream(stored({ type: 'datadog', settings: { url: 'https://proxy.example.com/logs' } }));
    assert.equal(draft.datadogTarget, 'url');
    const url = streamBody(draft);
    assert.ok(url.ok);
    assert.equal(url.body.url, 'https://proxy.example.com/logs');
    assert.equal('site' in url.body, false);
  });

  it('header lines: blank lines skipped, a line without a name refused with its number', () => {
    assert.deepEqual(parseHeaderLines(''), { ok: true, headers: {} });
    assert.deepEqual(parseHeaderLines('A: b: c'), { ok: true, headers: { A: 'b: c' } });
    assert.deepEqual(parseHeaderLines('A: 1\nno colon'), { ok: false, reason: 'Line 2: write each header as Name: value.' });
    assert.deepEqual(parseHeaderLines(': value'), { ok: false, reason: 'Line 1: write each header as Name: value.' });
    const built = streamBody({ ...newDraft(), headers: 'broken' });
    assert.deepEqual(built, { ok: false, errors: { headers: 'Line 1: write each header as Name: value.' } });
  });
});

describe('log stream form: refusals in words', () => {
  it("the schema's generic messages become what the field allows", () => {
    const errors = refusals({ name: '', type: 'https', format: 'native', active: true, url: 'https://x.example.com', secret: 'short' });
    assert.ok(
      errors.some((error) => /Too small/i.test(error.detail)),
      "the raw message is the library's",
    );
    assert.deepEqual(fieldMessages(errors), {
      name: 'Give the stream a name of 1 to 200 characters.',
      secret: 'The signing secret must be 16 to 256 characters long.',
    });
  });

  it("the contract's own predicates get the field's name, the Worker's sentences stay", () => {
    const errors = refusals({
      name: 'B',
      type: 's3',
      format: 'native',
      active: true,
      endpoint: 'https://s3.example.com',
      region: 'EU',
      bucket: 'No_Such',
      prefix: '',
      accessKeyId: 'a',
      secretAccessKey: 'b',
    });
    const messages = fieldMessages(errors);
    assert.equal(messages.bucket, 'Bucket must be an S3 bucket name (3–63 lowercase letters, digits, . and -).');
    assert.equal(messages.region, 'Region must be a region name such as eu-west-1 or auto.');
    assert.equal(fieldMessage('url', 'The URL must use https://.'), 'The URL must use https://.');
    assert.equal(
      fieldMessage('prefix', "only letters, digits, / and !_.*'()- are allowed"),
      "Prefix: only letters, digits, / and !_.*'()- are allowed.",
    );
    assert.equal(fieldMessage('token', 'is required'), 'HEC token is required.');
    assert.equal(fieldMessage('filter/argocdInstanceNames/0', 'Invalid input'), 'Check the chosen instance names.');
  });

  it('the first problem of a field wins; refusals without a field get one sentence', () => {
    assert.deepEqual(
      fieldMessages([
        { pointer: 'url', detail: 'The URL has no host.' },
        { pointer: 'url', detail: 'must not contain control characters' },
      ]),
      { url: 'The URL has no host.' },
    );
    const exists = { type: 'urn:problem:audit-logs:log-stream-exists', status: 409, detail: 'A log stream named "A" already exists.' };
    assert.equal(formMessage(exists, 'A'), 'Another log stream is already named "A". Choose a different name.');
    const limit = { type: 'urn:problem:audit-logs:log-stream-limit', status: 409, detail: 'An organization has at most 20 log streams.' };
    assert.equal(formMessage(limit, 'A'), 'An organization has at most 20 log streams. Delete a stream you no longer need to add another.');
  });
});

describe('log stream state in words', () => {
  it('failing since only for error and invalid, lag and sequences', () => {
    const at = (iso: string) => `at ${iso}`;
    assert.equal(failingText({ state: 'error', failingSince: '2026-12-01T00:00:00Z' }, at), 'failing since at 2026-12-01T00:00:00Z');
    assert.equal(failingText({ state: 'invalid', failingSince: '2026-12-01T00:00:00Z' }, at), 'failing since at 2026-12-01T00:00:00Z');
    assert.equal(failingText({ state: 'inactive', failingSince: '2026-12-01T00:00:00Z' }, at), null);
    assert.equal(failingText({ state: 'error', failingSince: null }, at), null);
    assert.equal(lagText(0), 'Up to date');
    assert.match(lagText(1), /^1 event behind$/);
    assert.equal(sequencesText({ kind: 'test', firstSequence: 0, lastSequence: 0 }), 'Test event (sequence 0)');
    assert.match(sequencesText({ kind: 'batch', firstSequence: 5, lastSequence: 9 }), /^Sequences 5.9$/);
    assert.equal(answerText({ ok: true, status: 200, error: '' }), 'HTTP 200');
    assert.equal(answerText({ ok: false, status: 0, error: 'connection refused' }), 'connection refused');
    assert.equal(answerText({ ok: false, status: 401, error: 'HTTP 401' }), 'HTTP 401');
    assert.equal(answerText({ ok: false, status: 302, error: 'redirects are not followed' }), 'HTTP 302 · redirects are not followed');
  });
});
