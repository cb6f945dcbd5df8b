import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ArchiveJob, WorkerEnv } from '../worker/env.ts';
import worker from '../worker/index.ts';
import { createOrg, expectProblem, json } from './helpers/api.ts';

type Variable =
  | 'HOT_RETENTION_DAYS'
  | 'MAX_EVENT_AGE_DAYS'
  | 'ARCHIVE_SETTLE_SECONDS'
  | 'WEBHOOK_RETRY_BASE_SECONDS'
  | 'ALLOW_INSECURE_WEBHOOKS';

/** Every variable worker/config.ts reads, with values an operator might mistype for a valid one. */
const INVALID: Record<Variable, string[]> = {
  HOT_RETENTION_DAYS: ['ninety', '90 days', ' 90', '1e3', '0x10', '-5', '3', '3651', '90.5', ''],
  MAX_EVENT_AGE_DAYS: ['thirty', '0', '36501', '3e1', '30d'],
  ARCHIVE_SETTLE_SECONDS: ['sixty', '-1', '3601', '1.5', '60s'],
  WEBHOOK_RETRY_BASE_SECONDS: ['0', '3601', 'thirty', '1_000'],
  ALLOW_INSECURE_WEBHOOKS: ['yes', '1', 'TRUE', 'on', ''],
};

/** The Worker's own fetch handler with other variables, as a deployment with them would run it. */
async function fetchWith(vars: Partial<Record<Variable, string | undefined>>, path: string): Promise<Response> {
  const custom: WorkerEnv = { ...env, ...vars };
  const ctx = createExecutionContext();
  return worker.fetch(
    new Request(`http://localhost:8787${path}`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } }),
    custom,
    ctx,
  );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('invalid configuration fails loudly', () => {
  it('answers every request with a 500 problem that leaks nothing, and logs the variable and its problem', async () => {
    for (const [variable, values] of Object.entries(INVALID)) {
      for (const value of values) {
        const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
        const response = await fetchWith({ [variable]: value }, '/api/v1/audit-logs-archives/public-key');
        const problem = await expectProblem(response, 500);
        const where = `${variable}=${JSON.stringify(value)}`;
        expect(problem.title, where).toBe('Internal Server Error');
        expect(problem.detail, where).not.toContain(variable);
        expect(JSON.stringify(problem), where).not.toMatch(/config|HOT_|_DAYS|_SECONDS|WEBHOOK/i);
        const lines = logged.mock.calls.map((args) => args.map(String).join(' '));
        const line = lines.find((text) => text.includes(variable));
        expect(line, `${where}: ${lines.join('\n')}`).toBeDefined();
        expect(line, where).toContain(problem.requestId);
        expect(line, where).toContain(JSON.stringify(JSON.stringify(value)).slice(1, -1));
        expect(line, where).toMatch(/must be/);
        vi.restoreAllMocks();
      }
    }
  });

  it('names every invalid variable at once', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await expectProblem(await fetchWith({ HOT_RETENTION_DAYS: 'ninety', ARCHIVE_SETTLE_SECONDS: 'soon' }, '/api/v1/me'), 500);
    const line = logged.mock.calls.map((args) => args.map(String).join(' ')).join('\n');
    expect(line).toContain('HOT_RETENTION_DAYS');
    expect(line).toContain('ARCHIVE_SETTLE_SECONDS');
  });

  it('stops the cron and the queue consumers with an error naming the variable', async () => {
    const cron = worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '30 0 * * *' }), {
      ...env,
      HOT_RETENTION_DAYS: 'ninety',
    });
    await expect(cron).rejects.toThrow(/HOT_RETENTION_DAYS="ninety" must be a whole number of days from 7 to 3650/);
    const batch = createMessageBatch<ArchiveJob>('audit-log-archive-jobs', [
      { id: 'm1', timestamp: new Date(), attempts: 1, body: { organizationId: 'org_none', startDate: '2026-01-05' } },
    ]);
    const ctx = createExecutionContext();
    await expect(worker.queue(batch, { ...env, ARCHIVE_SETTLE_SECONDS: '60s' })).rejects.toThrow(/ARCHIVE_SETTLE_SECONDS="60s"/);
    // Nothing was acknowledged: the message comes back once the variable is fixed.
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    const webhooks = createMessageBatch('audit-log-webhook-dispatch', [
      { id: 'w1', timestamp: new Date(), attempts: 1, body: { organizationId: 'org_none' } },
    ]);
    await expect(worker.queue(webhooks, { ...env, WEBHOOK_RETRY_BASE_SECONDS: 'thirty' })).rejects.toThrow(/WEBHOOK_RETRY_BASE_SECONDS/);
  });
});

describe('valid and unset configuration', () => {
  it('keeps the default of an unset variable and uses a valid value as given', async () => {
    const org = await createOrg('config');
    const settings = `/api/v1/organizations/${org.orgId}/audit-log-settings`;
    const unset = await json<{ hotRetentionDays: number }>(
      await fetchWith(
        {
          HOT_RETENTION_DAYS: undefined,
          MAX_EVENT_AGE_DAYS: undefined,
          ARCHIVE_SETTLE_SECONDS: undefined,
          WEBHOOK_RETRY_BASE_SECONDS: undefined,
          ALLOW_INSECURE_WEBHOOKS: undefined,
        },
        settings,
      ),
      200,
    );
    expect(unset.hotRetentionDays).toBe(90);
    const given = await json<{ hotRetentionDays: number }>(await fetchWith({ HOT_RETENTION_DAYS: '400' }, settings), 200);
    expect(given.hotRetentionDays).toBe(400);
    expect((await fetchWith({ ALLOW_INSECURE_WEBHOOKS: 'false', ARCHIVE_SETTLE_SECONDS: '0' }, settings)).status).toBe(200);
  });
});
