/**
 * The standalone verifier as an outside auditor runs it: the served `audit-log-verify.mjs`, built by
 * scripts/build-verifier.ts, copied alone into a fresh temporary folder outside the repository (no
 * node_modules, no package.json up the tree) with the files it checks, and run there with `node`.
 * Archives (`--dir`) and a stream copy against signed checkpoints (`--stream`): exit 0 on good
 * data; exit 1 naming the first sequence affected when one event line is altered, deleted, moved
 * or inserted, and when a checkpoint is forged. Needs no browser and no server.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildVerifier, VERIFIER_NAME } from '../../scripts/build-verifier.ts';
import { sha256, weekArchive } from './support/archive-files.ts';
import { checkpointsOver, contentHash, ndjson, streamEvent } from './support/stream-copy.ts';

let folder = '';
const archiveKey = generateKeyPairSync('ed25519');
const events = Array.from({ length: 40 }, (_, index) => streamEvent(index + 1));
const checkpoints = checkpointsOver(events, [10, 25, 40], archiveKey.privateKey);

function run(...args: string[]): { status: number | null; out: string } {
  const child = spawnSync(process.execPath, [VERIFIER_NAME, ...args], {
    cwd: folder,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  return { status: child.status, out: child.stdout + child.stderr };
}

/** `--stream` on these lines against `saved` (the GET answer), the key in the folder. */
function verifyCopy(lines: Record<string, unknown>[], saved: unknown = { checkpoints }) {
  writeFileSync(join(folder, 'events.ndjson'), ndjson(lines));
  writeFileSync(join(folder, 'checkpoints.json'), JSON.stringify(saved));
  return run('--stream', 'events.ndjson', '--checkpoints', 'checkpoints.json', '--public-key', 'archive-key.pem');
}

function assertFails(result: { status: number | null; out: string }, first: string, why: RegExp): void {
  assert.equal(result.status, 1, result.out);
  assert.match(result.out, new RegExp(`FAILED: \\d+ problems?; first sequence affected: ${first}$`, 'm'));
  assert.match(result.out, why);
}

describe('the standalone verifier, alone in a folder outside the repository', () => {
  before(async () => {
    const built = await buildVerifier();
    folder = mkdtempSync(join(tmpdir(), 'audit-log-verify-'));
    copyFileSync(built.path, join(folder, VERIFIER_NAME));
    copyFileSync(`${built.path}.sha256`, join(folder, `${VERIFIER_NAME}.sha256`));
    writeFileSync(join(folder, 'archive-key.pem'), archiveKey.publicKey.export({ type: 'spki', format: 'pem' }));
  });

  after(() => rmSync(folder, { recursive: true, force: true }));

  it('is one file that imports only Node built-ins, with its SHA-256 and version', () => {
    const source = readFileSync(join(folder, VERIFIER_NAME), 'utf8');
    const imports = [...source.matchAll(/^import .* from ["']([^"']+)["'];$/gm)].map((match) => match[1]);
    assert.ok(imports.length > 0);
    assert.deepEqual(
      imports.filter((name) => !name?.startsWith('node:')),
      [],
    );
    const digest = createHash('sha256')
      .update(readFileSync(join(folder, VERIFIER_NAME)))
      .digest('hex');
    assert.equal(readFileSync(join(folder, `${VERIFIER_NAME}.sha256`), 'utf8'), `${digest}  ${VERIFIER_NAME}\n`);
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    assert.equal(run('--version').out, `audit-log-verify ${version}\n`);
  });

  it('--dir: verifies a folder of archives, and fails on an altered ZIP', () => {
    const archives = mkdtempSync(join(folder, 'archives-'));
    let previous: string | null = null;
    for (const [startDate, sequences, generatedAt] of [
      ['2026-11-02', [1, 2, 4], '2026-11-10T00:30:00.000Z'],
      ['2026-11-09', [3, 5, 6], '2026-11-17T00:30:00.000Z'],
    ] as const) {
      const { zip, manifest } = weekArchive(startDate, [...sequences], generatedAt, previous);
      writeFileSync(join(archives, `${startDate}.zip`), zip);
      writeFileSync(join(archives, `${startDate}.manifest.json`), manifest);
      writeFileSync(join(archives, `${startDate}.sig`), sign(null, manifest, archiveKey.privateKey));
      previous = sha256(manifest);
    }
    const good = run('--dir', archives, '--public-key', 'archive-key.pem', '--complete-through', '6');
    assert.equal(good.status, 0, good.out);
    assert.match(good.out, /VERIFIED: .* \(2 archives of 1 organization, every sequence 1–6 exactly once\)/);
    const zip = readFileSync(join(archives, '2026-11-09.zip'));
    zip[zip.length - 30] = (zip[zip.length - 30] ?? 0) ^ 1;
    writeFileSync(join(archives, '2026-11-09.zip'), zip);
    assert.equal(run('--dir', archives, '--public-key', 'archive-key.pem').status, 1);
  });

  it('--stream: a complete copy verifies through the latest checkpoint', () => {
    const result = verifyCopy(events);
    assert.equal(result.status, 0, result.out);
    assert.match(result.out, /✓ checkpoints: 3 signatures valid/);
    assert.match(result.out, /^VERIFIED: verified through sequence 40 \(checkpoint at 12:00 UTC on 2026-11-24\)$/m);
  });

  it('--stream: a copy started after a checkpoint, events after the latest one, and stream pages verify', () => {
    const fromCheckpoint = verifyCopy(events.slice(10, 30), { checkpoints: checkpoints.slice(0, 2) });
    assert.equal(fromCheckpoint.status, 0, fromCheckpoint.out);
    assert.match(fromCheckpoint.out, /verified through sequence 25 \(checkpoint at 11:00/);
    assert.match(fromCheckpoint.out, /! sequences 26–30 are after the latest checkpoint/);
    writeFileSync(
      join(folder, 'pages.ndjson'),
      `${JSON.stringify({ items: events.slice(0, 20) })}\n${JSON.stringify({ items: events.slice(20) })}\n`,
    );
    const pages = run('--stream', 'pages.ndjson', '--checkpoints', 'checkpoints.json', '--public-key', 'archive-key.pem');
    assert.equal(pages.status, 0, pages.out);
  });

  it('--stream: an altered event is named by its sequence, or by the checkpoint range when its hash was recomputed too', () => {
    const altered = events.map((event) => (event.sequence === 17 ? { ...event, action: 'create' } : event));
    assertFails(verifyCopy(altered), '17', /sequence 17 \(line 17\): contentHash .* differs from the hash of its content/);
    const rehashed = altered.map((event) => (event.sequence === 17 ? { ...event, contentHash: contentHash(event) } : event));
    assertFails(verifyCopy(rehashed), 'one of 11–25', /the chain at sequence 25 is [0-9a-f]{64}, the checkpoint of .* signed/);
  });

  it('--stream: a deleted, moved or inserted event line names the first sequence affected', () => {
    assertFails(verifyCopy(events.filter((event) => event.sequence !== 17)), '17', /sequence 18 \(line 17\): sequence 17 is missing/);
    const moved = [...events.slice(0, 16), events[17], events[16], ...events.slice(18)].flatMap((event) => (event ? [event] : []));
    assertFails(verifyCopy(moved), '17', /sequence 17 \(line 18\): out of order/);
    const forgedEvent = { ...streamEvent(17), action: 'create' };
    const inserted = [...events.slice(0, 16), { ...forgedEvent, contentHash: contentHash(forgedEvent) }, ...events.slice(16)];
    assertFails(verifyCopy(inserted), '17', /sequence 17 \(line 18\): appears a second time/);
    assertFails(verifyCopy(events.slice(0, 39)), '40', /the file ends at sequence 39, but a checkpoint is at sequence 40/);
  });

  it('--stream: a forged or altered checkpoint is refused', () => {
    const forger = generateKeyPairSync('ed25519').privateKey;
    const forged = checkpointsOver(events, [10, 25, 40], forger);
    const result = verifyCopy(events, { checkpoints: [checkpoints[0], checkpoints[1], forged[2]] });
    assert.equal(result.status, 1, result.out);
    assert.match(result.out, /✗ checkpoint at sequence 40 .*: the signature does not verify under this public key/);
    const moved = { ...checkpoints[1], time: '2026-11-24T09:00:00.000Z' };
    assert.equal(verifyCopy(events, { checkpoints: [checkpoints[0], moved, checkpoints[2]] }).status, 1);
    const withoutMiddle = verifyCopy(events, { checkpoints: [checkpoints[0], checkpoints[2]] });
    assert.match(withoutMiddle.out, /checkpoint at sequence 40: previousCheckpoint is .* a checkpoint is missing or was replaced/);
  });

  it('--stream: usage errors exit 2', () => {
    assert.equal(run('--stream', 'events.ndjson', '--public-key', 'archive-key.pem').status, 2);
    assert.equal(run('--stream', 'events.ndjson', '--checkpoints', 'checkpoints.json').status, 2);
    assert.equal(run('--stream', 'missing.ndjson', '--checkpoints', 'checkpoints.json', '--public-key', 'archive-key.pem').status, 2);
  });
});
