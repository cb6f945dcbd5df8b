// When the Worker's daily cron next runs (00:30 UTC, wrangler.toml). Each run archives every
// closed week that has events not archived yet, so weeks that are waiting are built by it.
const DAY_MS = 24 * 60 * 60 * 1000;
const RUN_OFFSET_MS = 30 * 60 * 1000;

export function nextNightlyArchiveRun(now: number): Date {
  const todaysRun = Math.floor(now / DAY_MS) * DAY_MS + RUN_OFFSET_MS;
  return new Date(now < todaysRun ? todaysRun : todaysRun + DAY_MS);
}
