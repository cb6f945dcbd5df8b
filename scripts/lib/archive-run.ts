/**
 * Runs the Worker's daily cron (served at /__scheduled by `wrangler dev --test-scheduled`) and
 * waits until given weeks are archived, reading only the public API.
 */
import type { ApiClient } from './api-client.ts';
import type { ClosedWeek } from './closed-weeks.ts';

const DAILY_CRON = '30 0 * * *';

/** The fields of a listed archive that change only when a new revision is built. */
export interface ArchivedWeek {
  startDate: string;
  revision: number;
  records: number;
  bytes: number;
  sha256: string;
}

interface ArchiveList {
  archives: { startDate: { year: number; month: number; day: number }; revision: number; records: number; bytes: number; sha256: string }[];
  totalArchivesCount: number;
}

const POLL_MS = 500;
/**
 * When the cron ran but nothing changed for this long while weeks are still missing, it runs
 * again: a week whose newest event was younger than the server's settle time was left for a later
 * run. Reruns are harmless (a week already built is not due), so the settle time need not be known.
 */
const RERUN_MS = 3000;

export class ArchiveTimeoutError extends Error {
  readonly pending: ClosedWeek[];

  constructor(pending: ClosedWeek[], seconds: number) {
    const weeks = pending.map((week) => `${week.startDate} (${week.events} events, organization ${week.organizationId})`).join(', ');
    super(
      `Archives were not built within ${seconds} s; still waiting for the week${pending.length === 1 ? '' : 's'} of ${weeks}. ` +
        'The server archives only events received at least ARCHIVE_SETTLE_SECONDS ago (60 s unless set; npm start sets 5 s), ' +
        "and its queue consumer builds them (see the server's log for archive job errors).",
    );
    this.name = 'ArchiveTimeoutError';
    this.pending = pending;
  }
}

export async function runDailyCron(baseUrl: string): Promise<void> {
  const url = `${baseUrl}/__scheduled?cron=${encodeURIComponent(DAILY_CRON)}`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw new Error(`Could not reach ${baseUrl}: is the server running (npm start)?`, { cause });
  }
  if (!response.ok) {
    throw new Error(`${url} answered ${response.status}: the cron route needs wrangler dev with --test-scheduled (npm start passes it).`);
  }
}

const pad = (value: number) => String(value).padStart(2, '0');

/** Every archived week of an organization (latest revision), newest first; never the signed links, which are fresh on each call. */
async function listArchivedWeeks(client: ApiClient, organizationId: string): Promise<ArchivedWeek[]> {
  const weeks: ArchivedWeek[] = [];
  for (;;) {
    const page = await client.get<ArchiveList>(
      `/api/v1/organizations/${encodeURIComponent(organizationId)}/audit-logs-archives?filters.limit=1000&filters.offset=${weeks.length}`,
    );
    for (const { startDate, revision, records, bytes, sha256 } of page.archives) {
      weeks.push({ startDate: `${startDate.year}-${pad(startDate.month)}-${pad(startDate.day)}`, revision, records, bytes, sha256 });
    }
    if (page.archives.length === 0 || weeks.length >= page.totalArchivesCount) return weeks;
  }
}

/**
 * Runs the cron, then waits until each week has an archive with at least the events it had when
 * counted (events are never changed, so that archive holds them all). Returns the archives of
 * the weeks' organizations, by organization id.
 */
export async function archiveWeeks(options: {
  baseUrl: string;
  client: ApiClient;
  weeks: ClosedWeek[];
  timeoutMs: number;
  onProgress?: (archived: number, total: number) => void;
}): Promise<Map<string, ArchivedWeek[]>> {
  const { baseUrl, client, weeks } = options;
  const started = Date.now();
  const organizations = [...new Set(weeks.map((week) => week.organizationId))];
  await runDailyCron(baseUrl);
  let cronRan = Date.now();
  let changed = Date.now();
  let seen = '';
  let reported = -1;
  for (;;) {
    const lists = new Map(await Promise.all(organizations.map(async (id) => [id, await listArchivedWeeks(client, id)] as const)));
    const pending = weeks.filter(
      (week) => (lists.get(week.organizationId)?.find((archive) => archive.startDate === week.startDate)?.records ?? -1) < week.events,
    );
    const now = Date.now();
    const fingerprint = JSON.stringify([...lists]);
    if (fingerprint !== seen) {
      seen = fingerprint;
      changed = now;
    }
    if (pending.length !== reported) {
      reported = pending.length;
      options.onProgress?.(weeks.length - pending.length, weeks.length);
    }
    if (pending.length === 0) return lists;
    if (now - started >= options.timeoutMs) throw new ArchiveTimeoutError(pending, Math.round(options.timeoutMs / 1000));
    if (now - cronRan >= RERUN_MS && now - changed >= RERUN_MS) {
      await runDailyCron(baseUrl);
      cronRan = Date.now();
    }
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
}
