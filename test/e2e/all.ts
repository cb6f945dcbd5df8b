/**
 * `npm run test:e2e`: every e2e file in one process, so they share one server (support/harness.ts)
 * and one Chromium (support/browser.ts) instead of starting their own, in this order. The files
 * change what the server holds, so the order matters:
 * - dashboard-history deletes an Acme instance and runs the daily cron (which archives Initech's
 *   waiting weeks): it runs after the files that read those (dashboard, dashboard-access-pages);
 * - dashboard-settings first reads Acme's default retention, then changes it;
 * - dashboard-sign-in invites (and later removes) an auditor of Acme and adds Acme events of
 *   the current week, after the files that count Acme's events;
 * - dashboard-checkpoint makes an organization of its own (Checkpoint Co, another owner) and signs a checkpoint of it;
 * - dashboard-url records an export of Acme (an event of the current week), after dashboard-sign-in;
 * - webhooks sends 10,000 events to Initech;
 * - log-streams creates and deletes a stream of Globex (its audit events are Globex's current week);
 * - mobile-layout makes a webhook, a log stream and an invitation of Acme, and deletes them;
 * - dashboard-forms makes an organization of its own (Formwork Co) and a webhook of it;
 * - dashboard-sso, last: it adds organizations (Umbrella, owned by the seeded owner, with SSO for
 *   example.com while it runs) and SSO sign-ins of the demo people.
 * A file left out of ORDER fails the run, so none is forgotten.
 */
import { readdirSync } from 'node:fs';

const ORDER = [
  'dashboard.test.ts',
  'dashboard-session.test.ts',
  'dashboard-access.test.ts',
  'dashboard-access-pages.test.ts',
  'dashboard-checkpoint.test.ts',
  'dashboard-settings.test.ts',
  'dashboard-search.test.ts',
  'dashboard-search-match.test.ts',
  'saved-views.test.ts',
  'dashboard-history.test.ts',
  'dashboard-sign-in.test.ts',
  'dashboard-url.test.ts',
  'webhooks.test.ts',
  'log-streams.test.ts',
  'verify-cli.test.ts',
  'standalone-verifier.test.ts',
  'mobile-layout.test.ts',
  'dashboard-forms.test.ts',
  'dashboard-sso.test.ts',
];

const files = readdirSync(import.meta.dirname).filter((name) => name.endsWith('.test.ts'));
const unlisted = files.filter((name) => !ORDER.includes(name));
if (unlisted.length > 0) throw new Error(`test/e2e/all.ts: add ${unlisted.join(', ')} to ORDER (where its changes to the server fit)`);
for (const name of ORDER) await import(`./${name}`);
