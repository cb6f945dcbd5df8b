/**
 * The dashboard's pure helpers (URL ↔ filters, chart buckets, patch diff lines, archive schedule
 * and empty-state copy),
 * tested under Node directly: they import nothing from SvelteKit, so no browser is needed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { archiveEmptyState } from '../../web/src/lib/archive/archive-empty-state.ts';
import { nextArchiveSchedule } from '../../web/src/lib/archive/archive-schedule.ts';
import { countClosedWeeks, currentWeekStart, MAX_WEEKS_COUNTED } from '../../web/src/lib/archive/closed-weeks.ts';
import { nextNightlyArchiveRun } from '../../web/src/lib/archive/nightly-archive-run.ts';
import { apiFilterParams, clearedFilters, filtersToSearch, parseFilters, timeWindow } from '../../web/src/lib/audit/audit-filters.ts';
import { MAX_BUCKETS, planBuckets } from '../../web/src/lib/audit/chart-buckets.ts';
import { patchView } from '../../web/src/lib/audit/patch-lines.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

describe('audit filters in the URL', () => {
  it('round-trips every filter through the query string', () => {
    const search =
      '?range=custom&from=2026-11-01T00%3A00%3A00.000Z&to=2026-11-08T00%3A00%3A00.000Z' +
      '&actor=dave%40example.com&actor=bob%40example.com&action=update&objectType=argocd_application' +
      '&instance=inst_1&app=guestbook&app=payments-api&kargoProject=storefront&children=1&q=guestbook&utc=1';
    const filters = parseFilters(new URLSearchParams(search));
    assert.deepEqual(filters, {
      range: 'custom',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-08T00:00:00.000Z',
      actors: ['dave@example.com', 'bob@example.com'],
      actions: ['update'],
      objectTypes: ['argocd_application'],
      instanceId: 'inst_1',
      objects: {
        app: ['guestbook', 'payments-api'],
        project: [],
        cluster: [],
        namespace: [],
        kargoProject: ['storefront'],
        stage: [],
        children: true,
      },
      q: 'guestbook',
      utc: true,
    });
    assert.deepEqual(parseFilters(new URLSearchParams(filtersToSearch(filters))), filters);
  });

  it('leaves defaults out of links and ignores junk', () => {
    assert.equal(filtersToSearch(parseFilters(new URLSearchParams('range=7d&utc=0&from=x'))), '');
    assert.equal(parseFilters(new URLSearchParams('range=1y')).range, '7d');
    assert.deepEqual(parseFilters(new URLSearchParams('actor=a,%20b&actor=')).actors, ['a', 'b']);
    assert.equal(parseFilters(new URLSearchParams('utc=1'), false).utc, false);
  });

  it('clearing keeps only the display settings', () => {
    const filters = parseFilters(new URLSearchParams('actor=a&q=x&range=30d&utc=1'));
    assert.equal(filtersToSearch(clearedFilters(filters)), '?utc=1');
  });

  it('turns presets and custom ranges into API bounds (start inclusive, end exclusive)', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    const preset = parseFilters(new URLSearchParams('range=24h&actor=a&action=sync&q=x'));
    const params = apiFilterParams(preset, timeWindow(preset, now));
    assert.equal(params.get('filters.startTime'), '2026-11-25T12:00:00.000Z');
    assert.equal(params.has('filters.endTime'), false, 'a preset keeps up with new events');
    assert.deepEqual(params.getAll('filters.actorId'), ['a']);
    assert.deepEqual(params.getAll('filters.action'), ['sync']);
    assert.equal(params.get('filters.q'), 'x');

    const custom = parseFilters(new URLSearchParams('range=custom&from=2026-11-10T00:00:00Z&to=2026-11-03T00:00:00Z&instance=i1'));
    const bounds = apiFilterParams(custom, timeWindow(custom, now), 'fixed');
    assert.equal(bounds.get('filters.startTime'), '2026-11-03T00:00:00.000Z', 'swapped bounds are read as meant');
    assert.equal(bounds.get('filters.endTime'), '2026-11-10T00:00:00.000Z');
    assert.equal(bounds.get('filters.instanceId'), 'fixed', "an instance page's instance wins");
  });
});

describe('chart buckets', () => {
  const window = (start: string, end: string) => ({
    start: new Date(start),
    end: new Date(end),
    openEnded: false,
  });

  it('covers the range exactly, with day edges at UTC midnight', () => {
    const plan = planBuckets(window('2026-11-19T11:37:00Z', '2026-11-26T11:37:00Z'), true);
    assert.equal(plan.unit, 'day');
    assert.equal(plan.buckets.length, 8);
    assert.equal(plan.buckets[0]?.start.toISOString(), '2026-11-19T11:37:00.000Z');
    assert.equal(plan.buckets[0]?.end.toISOString(), '2026-11-20T00:00:00.000Z');
    assert.equal(plan.buckets.at(-1)?.end.toISOString(), '2026-11-26T11:37:00.000Z');
    plan.buckets.slice(1).forEach((bucket, index) => {
      assert.equal(bucket.start.getTime(), plan.buckets[index]?.end.getTime(), 'no gaps, no overlaps');
    });
  });

  it('uses hours for a day and never more than 31 buckets', () => {
    const day = planBuckets(window('2026-11-25T12:30:00Z', '2026-11-26T12:30:00Z'), true);
    assert.equal(day.unit, 'hour');
    assert.ok(day.buckets.length <= MAX_BUCKETS);
    for (const days of [30, 31, 90, 400]) {
      const end = Date.parse('2026-11-26T12:00:00Z');
      const plan = planBuckets({ start: new Date(end - days * DAY), end: new Date(end), openEnded: false }, true);
      assert.ok(plan.buckets.length <= MAX_BUCKETS, `${days} days → ${plan.buckets.length} buckets`);
      assert.equal(plan.buckets[0]?.start.getTime(), end - days * DAY);
      assert.equal(plan.buckets.at(-1)?.end.getTime(), end, `${days} days are covered to the end`);
    }
  });
});

describe('patch diff lines', () => {
  it('reads a JSON merge patch: set members added, null members removed', () => {
    const view = patchView('{"spec":{"replicas":3,"paused":null,"tags":["a","b"]}}');
    assert.equal(view.format, 'merge-patch');
    const byKind = (kind: string) => view.lines.filter((line) => line.kind === kind).map((line) => line.text.trim());
    assert.deepEqual(byKind('remove'), ['"paused": null,']);
    assert.ok(byKind('add').includes('"replicas": 3,'));
    assert.ok(byKind('add').includes('"a",'), 'array items replace the whole array');
    assert.deepEqual(byKind('context').slice(0, 2), ['{', '"spec": {']);
  });

  it('reads JSON Patch operations and unified diffs', () => {
    const jsonPatch = patchView('[{"op":"replace","path":"/a","value":1},{"op":"remove","path":"/b"}]');
    assert.equal(jsonPatch.format, 'json-patch');
    assert.deepEqual(
      jsonPatch.lines.map((line) => [line.kind, line.text]),
      [
        ['change', 'replace /a 1'],
        ['remove', 'remove /b'],
      ],
    );
    const diff = patchView('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n same');
    assert.equal(diff.format, 'unified-diff');
    assert.deepEqual(
      diff.lines.map((line) => line.kind),
      ['meta', 'meta', 'hunk', 'remove', 'add', 'context'],
    );
    assert.equal(patchView('not a patch').format, 'text');
  });
});

describe('archive schedule', () => {
  it('names the Sunday the week closes and the Monday 00:30 UTC run that archives it', () => {
    const thursday = Date.parse('2026-11-26T16:00:00Z');
    const { weekEnds, archivedBy } = nextArchiveSchedule(thursday);
    assert.equal(weekEnds.toISOString(), '2026-11-29T00:00:00.000Z');
    assert.equal(archivedBy.toISOString(), '2026-11-30T00:30:00.000Z');
    const sunday = nextArchiveSchedule(Date.parse('2026-11-29T23:59:00Z'));
    assert.equal(sunday.archivedBy.toISOString(), '2026-11-30T00:30:00.000Z');
  });
});

describe('closed weeks waiting for an archive', () => {
  const thursday = Date.parse('2026-11-26T16:00:00Z');
  /** Counts like the API's totalCount (start inclusive, end exclusive) over a list of event times. */
  function counter(times: number[]) {
    const ranges: string[] = [];
    const count = async (start: Date | null, end: Date) => {
      ranges.push(`${start?.toISOString() ?? '…'} → ${end.toISOString()}`);
      return times.filter((time) => (start === null || time >= start.getTime()) && time < end.getTime()).length;
    };
    return { count, ranges };
  }

  it('starts the current week on Monday 00:00 UTC', () => {
    assert.equal(currentWeekStart(thursday).toISOString(), '2026-11-23T00:00:00.000Z');
    assert.equal(currentWeekStart(Date.parse('2026-11-23T00:00:00Z')).toISOString(), '2026-11-23T00:00:00.000Z');
    assert.equal(currentWeekStart(Date.parse('2026-11-22T23:59:59Z')).toISOString(), '2026-11-16T00:00:00.000Z');
  });

  it('counts the events before this week, and the weeks they fall in, back to the oldest only', async () => {
    const { count, ranges } = counter([
      Date.parse('2026-11-25T10:00:00Z'), // this week: not closed
      Date.parse('2026-11-22T23:59:59Z'),
      Date.parse('2026-11-16T00:00:00Z'),
      Date.parse('2026-11-03T12:00:00Z'),
    ]);
    assert.deepEqual(await countClosedWeeks(count, thursday), { events: 3, weeks: 2 });
    // One total, then one batch of four weeks (Nov 16 back to Oct 26) reaches the total.
    assert.equal(ranges.length, 5);
    assert.equal(ranges[0], '… → 2026-11-23T00:00:00.000Z');
    assert.ok(ranges.includes('2026-10-26T00:00:00.000Z → 2026-11-02T00:00:00.000Z'));
  });

  it('asks nothing more when no closed week has events, and gives up on weeks far back', async () => {
    const empty = counter([Date.parse('2026-11-24T08:00:00Z')]);
    assert.deepEqual(await countClosedWeeks(empty.count, thursday), { events: 0, weeks: 0 });
    assert.equal(empty.ranges.length, 1);
    const old = counter([Date.parse('2026-11-20T08:00:00Z'), Date.parse('2025-01-01T08:00:00Z')]);
    assert.deepEqual(await countClosedWeeks(old.count, thursday), { events: 2, weeks: null });
    assert.equal(old.ranges.length, 1 + MAX_WEEKS_COUNTED);
  });

  it('names the next 00:30 UTC run: today before it, else tomorrow', () => {
    assert.equal(nextNightlyArchiveRun(Date.parse('2026-11-30T00:10:00Z')).toISOString(), '2026-11-30T00:30:00.000Z');
    assert.equal(nextNightlyArchiveRun(Date.parse('2026-11-30T00:30:00Z')).toISOString(), '2026-12-01T00:30:00.000Z');
    assert.equal(nextNightlyArchiveRun(thursday).toISOString(), '2026-11-27T00:30:00.000Z');
  });

  it('says waiting weeks go out with the nightly run, and promises Monday only when none wait', () => {
    assert.match(
      archiveEmptyState({ events: 1234, weeks: 3 }, thursday),
      /^3 closed weeks with 1,234 events are waiting for the nightly archive run at 00:30 UTC \(next: .+ your time\)\. Their archives/,
    );
    assert.match(archiveEmptyState({ events: 1, weeks: 1 }, thursday), /^1 closed week with 1 event is waiting .+ Its archive will/);
    assert.match(
      archiveEmptyState({ events: 50, weeks: null }, thursday),
      /^50 events from closed weeks are waiting for the nightly archive run/,
    );
    const none = archiveEmptyState({ events: 0, weeks: 0 }, thursday);
    assert.match(none, /This week closes on Sunday, November 29, 2026, so the first archive will be here by Nov 30, 2026, 00:30 UTC/);
    assert.doesNotMatch(archiveEmptyState(null, thursday), /waiting|first archive/);
  });
});
