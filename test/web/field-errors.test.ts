/**
 * The dashboard's one wording of API refusals (web/src/lib/shell/field-errors.ts), fed the real
 * field problems: the contract's webhook schema parses each bad body and zodFieldErrors names and
 * codes the fields, as the Worker's validation hook does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldMessage, formProblems } from '../../web/src/lib/shell/field-errors.ts';
import { WEBHOOK_FIELDS } from '../../web/src/lib/webhooks/webhooks.ts';
import { CreateNotificationConfigSchema } from '../../worker/contract/notification-configs.ts';
import { type Problem, zodFieldErrors } from '../../worker/contract/problem.ts';

function refusal(body: unknown): Problem {
  const result = CreateNotificationConfigSchema.safeParse(body);
  assert.equal(result.success, false, 'the body is wrong on purpose');
  const errors = result.success ? [] : zodFieldErrors(result.error, '', body);
  return {
    type: 'urn:problem:audit-logs:validation-failed',
    title: 'Unprocessable Content',
    status: 422,
    detail: 'The request body has invalid fields.',
    requestId: 'r',
    errors,
  };
}

describe('field errors in words', () => {
  it("says a missing webhook secret in the field's words, never the schema's", () => {
    const said = formProblems(refusal({ name: 'SIEM', webhook: { url: 'https://siem.example.com/hook' } }), WEBHOOK_FIELDS);
    assert.deepEqual(said, {
      fields: { secret: 'Enter a secret of at least 16 characters, or press Generate.' },
      form: 'Check the fields marked below.',
    });
  });

  it('says a short secret and an empty name, each under its field', () => {
    const said = formProblems(refusal({ name: '', webhook: { url: 'https://siem.example.com/hook', secret: 'short' } }), WEBHOOK_FIELDS);
    assert.deepEqual(said.fields, {
      name: 'Give the webhook a name.',
      secret: 'Enter a secret of 16 to 256 characters, or press Generate.',
    });
  });

  it("keeps the Worker's own sentences, and words a field without a rule from its code and limits", () => {
    assert.equal(
      fieldMessage({ pointer: 'webhook/url', detail: 'The URL 10.0.0.1 is a private address.' }, { label: 'Payload URL' }),
      'The URL 10.0.0.1 is a private address.',
    );
    assert.equal(
      fieldMessage({ pointer: 'name', detail: 'must not contain control characters' }, { label: 'Name' }),
      'Name must not contain control characters.',
    );
    assert.equal(
      fieldMessage({ pointer: 'name', detail: 'Too big', code: 'too_big', maximum: 200 }, { label: 'Name' }),
      'Name is too long: at most 200 characters.',
    );
    assert.equal(
      fieldMessage({ pointer: 'email', detail: 'Invalid email address', code: 'invalid_format', format: 'email' }, { label: 'Email' }),
      'Enter an email address such as ada@example.com.',
    );
    assert.equal(
      fieldMessage({ pointer: 'x', detail: 'Invalid input: expected string, received undefined' }, { label: 'Region' }),
      'Region is not valid.',
    );
  });

  it('puts a problem of a field the form does not show into the form sentence; a refusal without fields is said as is', () => {
    const stray = formProblems(
      { ...refusal({ name: 'SIEM', webhook: { url: 'https://a.example/h', secret: 'x'.repeat(16) }, extra: 1 }) },
      WEBHOOK_FIELDS,
    );
    assert.deepEqual(stray.fields, {});
    assert.equal(stray.form, '"extra" is not a known field.');
    const conflict = formProblems(
      {
        type: 'urn:problem:audit-logs:notification-config-exists',
        title: 'Conflict',
        status: 409,
        detail: 'A notification config named "SIEM" already exists.',
      },
      WEBHOOK_FIELDS,
    );
    assert.deepEqual(conflict, { fields: {}, form: 'A notification config named "SIEM" already exists.' });
  });
});
