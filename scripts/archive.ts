/**
 * `npm run archive`: runs the daily cron against the server `npm start` runs (wrangler dev with
 * --test-scheduled), then waits for the queue consumer to build the due weeks and lists them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DEMO_STATE_FILE } from './lib/seed-demo.ts';

const BASE_URL = process.env.BASE_URL ?? `http://localhost:${process.env.PORT ?? 8787}`;
const SETTLE_MS = 60_000; // worker/services/archive-builder.ts: events must be a minute old to be archived
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ArchiveList {
  archives: { startDate: { year: number; month: number; day: number }; records: number; bytes: number; revision: number; sha256: string }[];
  totalArchivesCount: number;
}

const demo = existsSync(DEMO_STATE_FILE)
  ? (JSON.parse(readFileSync(DEMO_STATE_FILE, 'utf8')) as {
      organizationId: string;
      ownerApiKey: string;
      completedAt?: number;
      anchor: number;
    })
  : null;
if (demo) {
  // Weeks whose newest event is younger than a minute are left for a later run: wait for the seed.
  const wait = (demo.completedAt ?? demo.anchor) + SETTLE_MS + 2000 - Date.now();
  if (wait > 0) {
    console.log(`Waiting ${Math.ceil(wait / 1000)} s: only events received at least a minute ago are archived.`);
    await sleep(wait);
  }
}

const list = async (): Promise<ArchiveList | null> => {
  if (!demo) return null;
  const response = await fetch(`${BASE_URL}/api/v1/organizations/${demo.organizationId}/audit-logs-archives?filters.limit=100`, {
    headers: { authorization: `Bearer ${demo.ownerApiKey}` },
  });
  if (!response.ok) throw new Error(`listing archives failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as ArchiveList;
};

const before = await list();
const trigger = await fetch(`${BASE_URL}/__scheduled?cron=${encodeURIComponent('30 0 * * *')}`).catch(() => null);
if (!trigger?.ok) {
  console.error(`Could not run the cron at ${BASE_URL}/__scheduled: is \`npm start\` running?`);
  process.exit(1);
}
console.log('Cron ran: due weeks were sent to the archive queue.');
if (!demo) {
  console.log('No demo organization found; archives build in the background.');
  process.exit(0);
}

// The local queue delivers in batches after a few seconds; wait until the list stops changing.
let last = JSON.stringify(before);
let stableSince = Date.now();
const deadline = Date.now() + 180_000;
while (Date.now() < deadline && Date.now() - stableSince < 12_000) {
  await sleep(1000);
  const current = JSON.stringify(await list());
  if (current !== last) {
    last = current;
    stableSince = Date.now();
  }
}
const after = await list();
const pad = (n: number) => String(n).padStart(2, '0');
console.log(`\nArchives of the demo organization (${after?.totalArchivesCount ?? 0}):`);
for (const archive of after?.archives ?? []) {
  const { year, month, day } = archive.startDate;
  console.log(
    `  week of ${year}-${pad(month)}-${pad(day)}  rev ${archive.revision}  ${String(archive.records).padStart(6)} events  ${String(archive.bytes).padStart(9)} bytes  sha256 ${archive.sha256.slice(0, 16)}…`,
  );
}
