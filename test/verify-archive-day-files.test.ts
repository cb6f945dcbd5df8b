// The single-archive verifier on wrong day files, and on events written before fields were added (helpers/independent-archives.ts).
import { describe, expect, it } from 'vitest';
import { verifyArchive } from '../worker/archive/verify/index.ts';
import {
  buildArchive,
  buildZip,
  type DayFiles,
  day,
  dayFiles,
  type Event,
  encoder,
  event,
  expectOnlyProblems,
  expectProblems,
  TOTAL_EVENTS,
  weekEvents,
  withoutManifest,
} from './helpers/independent-archives.ts';

describe('verifyArchive: day files', () => {
  it('fails when one byte of a day file changes (re-zipped, so the ZIP itself is sound), naming the file in the manifest', async () => {
    const archive = await buildArchive();
    const files = dayFiles();
    const monday = files[0];
    if (!monday) throw new Error('no Monday');
    const text = new TextDecoder().decode(monday[1]);
    expect(text).toContain('"alice@example.com"');
    monday[1] = encoder.encode(text.replace('"alice@example.com"', '"alicf@example.com"'));
    const report = await verifyArchive({ ...archive, zip: buildZip(files) });
    expectProblems(report, /^manifest\.archive\.sha256: the ZIP's sha256 is/);
    // Apart from the archive's own hash (and maybe size), only that file's hash is wrong: it is still well-formed.
    expect(report.problems.filter((problem) => !/^manifest\.archive\.(sha256|bytes):/.test(problem))).toEqual([
      expect.stringMatching(
        /^manifest\.files\[0\]\.sha256 \(2026-11-23\.json\): the file's sha256 is [0-9a-f]{64}, the manifest says "[0-9a-f]{64}"$/,
      ),
    ]);
  });

  it('fails on any formatting change, even with a manifest that matches it', async () => {
    const files = dayFiles();
    const monday = files[0];
    if (!monday) throw new Error('no Monday');
    // "\r" is JSON whitespace: the file still parses, only the byte-exact rule catches it.
    monday[1] = encoder.encode(new TextDecoder().decode(monday[1]).replace(',\n', ',\r'));
    const report = await verifyArchive(await buildArchive({ files }));
    expectOnlyProblems(
      report,
      /^2026-11-23\.json: not in the exact day-file format .*first difference at byte \d+ \(line 2\): expected …".*\\n.*"…, found …".*\\r.*"…/,
    );

    const spaced = dayFiles();
    const friday = spaced[4];
    if (!friday) throw new Error('no Friday');
    friday[1] = encoder.encode(`${JSON.stringify(JSON.parse(new TextDecoder().decode(friday[1])), null, 2)}\n`);
    expectOnlyProblems(await verifyArchive(await buildArchive({ files: spaced })), /^2026-11-27\.json: not in the exact day-file format/);

    const emptyButSpaced = dayFiles();
    emptyButSpaced[2] = ['2026-11-25.json', encoder.encode('[ ]\n')];
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: emptyButSpaced })),
      /^2026-11-25\.json: not in the exact day-file format/,
    );
  });

  it('fails when two events are swapped', async () => {
    const days = weekEvents();
    const monday = days[0] ?? [];
    [monday[1], monday[2]] = [monday[2] as Event, monday[1] as Event];
    const report = await verifyArchive(await buildArchive({ files: dayFiles(days) }));
    expectOnlyProblems(
      report,
      /^2026-11-23\.json line 4 \(event 01KA0M00000000000000000002\): out of order — it must come before line 3 \(event 01KA0M00000000000000000003\)/,
    );
    expect(report.checks).toContainEqual(expect.stringMatching(/^ZIP structure: 7 entries/)); // the ZIP itself is fine
  });

  it('fails when two events at the same instant are not ordered by id', async () => {
    const days = weekEvents();
    const monday = days[0] ?? [];
    [monday[2], monday[3]] = [monday[3] as Event, monday[2] as Event];
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(days) })),
      /^2026-11-23\.json line 5 \(event 01KA0M00000000000000000003\): out of order/,
    );
  });

  it("fails when an event lies outside its file's UTC day, including exactly at the next midnight", async () => {
    const days = weekEvents();
    days[0]?.push(event('01KA0M0000000000000000000C', `${day(1)}T00:00:00.000Z`));
    days[6]?.unshift(event('01KA0M0000000000000000000D', `${day(5)}T23:59:59.999Z`));
    const report = await verifyArchive(await buildArchive({ files: dayFiles(days) }));
    expectOnlyProblems(
      report,
      /^2026-11-23\.json line 6 \(event 01KA0M0000000000000000000C\): timestamp 2026-11-24T00:00:00\.000Z is outside the file's day 2026-11-23/,
      /^2026-11-29\.json line 2 \(event 01KA0M0000000000000000000D\): timestamp 2026-11-28T23:59:59\.999Z is outside the file's day 2026-11-29/,
    );
  });

  it('fails when an id repeats within the archive', async () => {
    const days = weekEvents();
    days[5]?.push(event('01KA0M00000000000000000002', `${day(5)}T04:00:00.000Z`));
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(days) })),
      /^2026-11-28\.json line 3 \(event 01KA0M00000000000000000002\): duplicate id, already at 2026-11-23\.json line 3$/,
    );
  });

  it("fails when an event belongs to another organization (the manifest's, or else the first event's)", async () => {
    const days = weekEvents();
    const stray = days[3]?.[0];
    if (!stray) throw new Error('no Thursday event');
    stray.organizationId = 'org_someone_else';
    const archive = await buildArchive({ files: dayFiles(days) });
    const pattern =
      /^2026-11-26\.json line 2 \(event 01KA0M00000000000000000007\): organizationId is "org_someone_else", expected "org_01JDX6Q8Z3V4K2M9R7T5W1Y0AB"$/;
    expectOnlyProblems(await verifyArchive(archive), pattern);
    expectOnlyProblems(await verifyArchive(withoutManifest(archive)), pattern);
  });

  it('fails on events that do not have the event shape', async () => {
    const days: unknown[][] = weekEvents();
    const broken: Record<string, unknown> = {
      ...event('01KA0M0000000000000000000E', `${day(4)}T20:00:00.000Z`),
      count: 0,
      actor: { type: 'user', id: 'x' },
      surprise: true,
    };
    days[4]?.push(broken);
    const report = await verifyArchive(await buildArchive({ files: dayFiles(days) }));
    expectProblems(
      report,
      /^2026-11-27\.json line 4 \(event 01KA0M0000000000000000000E\): unexpected field surprise$/,
      /^2026-11-27\.json line 4 \(event 01KA0M0000000000000000000E\): actor\.ip must be a string, found missing$/,
      /^2026-11-27\.json line 4 \(event 01KA0M0000000000000000000E\): count must be a positive integer, found 0$/,
    );
    const notAnArray = dayFiles();
    notAnArray[1] = ['2026-11-24.json', encoder.encode('{"events":[]}\n')];
    expectProblems(await verifyArchive(await buildArchive({ files: notAnArray })), /^2026-11-24\.json: expected a JSON array of events/);
  });

  it('fails when a day is missing, naming it', async () => {
    const archive = await buildArchive();
    const zip = buildZip(dayFiles().slice(0, 6));
    expectProblems(
      await verifyArchive({ ...archive, zip }),
      /^ZIP: 6 entries, expected 7/,
      /^ZIP: missing entry 2026-11-29\.json$/,
      /^manifest\.archive\.sha256:/,
    );
    expectProblems(await verifyArchive({ zip }), /^ZIP: missing entry 2026-11-29\.json$/);
    const noMonday = buildZip(dayFiles().slice(1));
    expectProblems(await verifyArchive({ zip: noMonday }), /^ZIP: missing entry 2026-11-23\.json$/);
  });

  it('fails when there is an extra entry', async () => {
    const archive = await buildArchive();
    const withNotes = buildZip([...dayFiles(), ['notes.txt', encoder.encode('hello')]]);
    expectProblems(
      await verifyArchive({ ...archive, zip: withNotes }),
      /^ZIP: 8 entries, expected 7/,
      /^ZIP: unexpected entry "notes\.txt"/,
    );
    const withNextMonday = buildZip([...dayFiles(), ['2026-11-30.json', encoder.encode('[]\n')]]);
    expectProblems(await verifyArchive({ zip: withNextMonday }), /^ZIP: unexpected entry "2026-11-30\.json"/);
  });

  it('fails when the entries are out of order', async () => {
    const files = dayFiles();
    [files[0], files[1]] = [files[1] as DayFiles[number], files[0] as DayFiles[number]];
    expectProblems(
      await verifyArchive({ zip: buildZip(files) }),
      /^ZIP: entries out of order: 2026-11-24\.json, 2026-11-23\.json, .*; expected 2026-11-23\.json, 2026-11-24\.json/,
    );
  });
});

describe('verifyArchive: event fields added later (source, sourceKeyId, credential, sequence, object.id.namespace, object.parentId.kargoProjectName)', () => {
  /** The valid week in the newer event shape: the three fields after lastOccurredTimestamp, sequences in commit order. */
  function newShapeDays(): Record<string, unknown>[][] {
    let sequence = 0;
    const nextSequence = () => {
      sequence += 1;
      return sequence;
    };
    return weekEvents().map((events) =>
      events.map((item, index) => ({
        ...item,
        object: {
          ...item.object,
          id: { ...item.object.id, namespace: 'argocd' },
          parentId: { ...item.object.parentId, kargoProjectName: index % 2 === 0 ? 'kargo-demo' : '' },
        },
        source: index % 2 === 0 ? 'ingest' : 'platform',
        sourceKeyId: index % 2 === 0 ? 'key_01KA0M0000000000000000CI' : null,
        credential:
          index % 2 === 0
            ? { type: 'api_key', id: 'key_01KA0M0000000000000000CI' }
            : index % 3 === 0
              ? null
              : { type: 'passkey', id: 'ses_1' },
        sequence: nextSequence(),
      })),
    );
  }

  it('passes for an archive in the newer shape, and says its sequences are unique', async () => {
    const report = await verifyArchive(await buildArchive({ files: dayFiles(newShapeDays()) }));
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(TOTAL_EVENTS);
    expect(report.checks).toContainEqual(
      expect.stringMatching(/^2026-11-23\.json: 4 events, .*unique ids, unique sequences, one organization$/),
    );
  });

  it('fails on wrong types of the newer fields, naming each', async () => {
    const days = newShapeDays();
    const monday = days[0] ?? [];
    Object.assign(monday[0] ?? {}, { source: 'cli', sourceKeyId: 7 });
    Object.assign(monday[1] ?? {}, { sequence: 0 });
    Object.assign(monday[2] ?? {}, { sequence: 2.5 });
    Object.assign(monday[3] ?? {}, {
      object: { ...event('x', `${day(0)}T00:00:00Z`).object, id: { name: 'a', kind: '', group: '', namespace: null } },
    });
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(days) })),
      /^2026-11-23\.json line 2 \(event 01KA0M00000000000000000001\): source must be "platform" or "ingest", found "cli"$/,
      /^2026-11-23\.json line 2 \(event 01KA0M00000000000000000001\): sourceKeyId must be a string or null, found 7$/,
      /^2026-11-23\.json line 3 \(event 01KA0M00000000000000000002\): sequence must be a positive integer, found 0$/,
      /^2026-11-23\.json line 4 \(event 01KA0M00000000000000000003\): sequence must be a positive integer, found 2\.5$/,
      /^2026-11-23\.json line 5 \(event 01KA0M00000000000000000004\): object\.id\.namespace must be a string, found null$/,
    );
  });

  it('fails on a malformed credential, naming each problem', async () => {
    const days = newShapeDays();
    const monday = days[0] ?? [];
    Object.assign(monday[0] ?? {}, { credential: { type: 'password', id: 'x' } });
    Object.assign(monday[1] ?? {}, { credential: { type: 'api_key', id: 7 } });
    Object.assign(monday[2] ?? {}, { credential: { type: 'api_key', id: 'k', secret: 's' } });
    Object.assign(monday[3] ?? {}, { credential: 'key_1' });
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(days) })),
      /^2026-11-23\.json line 2 \(event 01KA0M00000000000000000001\): credential\.type must be one of api_key, .*, found "password"$/,
      /^2026-11-23\.json line 3 \(event 01KA0M00000000000000000002\): credential\.id must be a string, found 7$/,
      /^2026-11-23\.json line 4 \(event 01KA0M00000000000000000003\): unexpected field credential\.secret$/,
      /^2026-11-23\.json line 5 \(event 01KA0M00000000000000000004\): credential must be an object, found "key_1"$/,
    );
  });

  it('fails when a sequence repeats within the archive', async () => {
    const days = newShapeDays();
    Object.assign(days[6]?.[0] ?? {}, { sequence: 2 });
    expectOnlyProblems(
      await verifyArchive(await buildArchive({ files: dayFiles(days) })),
      /^2026-11-29\.json line 2 \(event 01KA0M0000000000000000000B\): duplicate sequence 2, already at 2026-11-23\.json line 3$/,
    );
  });
});
